import { Role } from '../../../src/auth/role';
import { encodeGlobalId } from '../../../src/common/global-id';
import { MeasureKind, MeasureStatus } from '../../../src/measures/measure.enums';
import { ADD_MEASURE, ADD_STATEMENT, measureInput, statementInput } from '../../helpers/fixtures';
import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';
import { connect, disposeClients } from '../../helpers/ws';

/**
 * Errors a newcomer can act on, on both transports, as production sends them: where a syntax
 * error is, which values an enum takes, which country code was meant.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ nodeEnv: 'production' });
});
afterAll(async () => {
  await disposeClients();
  await stopAllServers();
});

interface ClientError {
  message: string;
  locations?: { line: number; column: number }[];
  extensions?: Record<string, unknown>;
}

async function get(query: string): Promise<{ status: number; errors?: ClientError[] }> {
  const response = await fetch(`${server.url}?query=${encodeURIComponent(query)}`);
  return { status: response.status, ...((await response.json()) as { errors?: ClientError[] }) };
}

/** The errors a subscription is refused with over graphql-ws (an `error` message). */
async function refusedOverWebSocket(
  query: string,
  variables?: Record<string, unknown>,
): Promise<ClientError[]> {
  const client = connect(server.url);
  try {
    const subscription = client.subscribe(query, variables);
    await subscription.ended();
    expect(subscription.failed).toEqual(expect.any(Array));
    return subscription.failed as ClientError[];
  } finally {
    await client.dispose();
  }
}

describe('a syntax error keeps its line and column', () => {
  // Parsing stops at the end of line 3: the selection set is never closed.
  const unclosed = '{\n  measures {\n    totalCount\n';
  const expected = {
    message: 'Syntax Error: Expected Name, found <EOF>.',
    locations: [{ line: 4, column: 1 }],
    extensions: { code: 'BAD_USER_INPUT' },
  };

  test('over HTTP POST', async () => {
    const response = await server.gql(unclosed);
    expect(response.status).toBe(200);
    expect(response.errors).toEqual([expected]);
  });

  test('over HTTP GET, at the column of the stray token', async () => {
    const response = await get('{ country(code: "jp") { name } }}');
    expect(response.errors).toEqual([
      {
        message: 'Syntax Error: Unexpected "}".',
        locations: [{ line: 1, column: 33 }],
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
  });

  test('for a document long enough to be cached by its digest, asked twice', async () => {
    // Over 16 KB: its refusal is cached without the text, and must still say where.
    const long = `# ${'x'.repeat(20_000)}\nquery { measures(first: 2 { totalCount } }`;
    for (let i = 0; i < 2; i++) {
      const response = await server.gql(long);
      expect(response.errors).toEqual([
        {
          message: 'Syntax Error: Expected Name, found "{".',
          locations: [{ line: 2, column: 27 }],
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
    }
  });

  test('over WebSocket', async () => {
    const errors = await refusedOverWebSocket('subscription {\n  measureAdded { id ');
    expect(errors).toEqual([{ ...expected, locations: [{ line: 2, column: 21 }] }]);
  });

  test('over WebSocket, a validation error says where too', async () => {
    const errors = await refusedOverWebSocket('subscription {\n  measureAdded { id titel }\n}');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.locations).toEqual([{ line: 2, column: 21 }]);
    expect(errors[0]!.message).toBe('Cannot query field "titel" on type "Measure".');
  });
});

describe('an unknown enum value lists the valid ones, in production too', () => {
  const kinds = `Valid values: ${Object.values(MeasureKind).join(', ')}.`;
  const statuses = `Valid values: ${Object.values(MeasureStatus).join(', ')}.`;

  test('a literal, over HTTP', async () => {
    const response = await server.gql('{ measures(filter: { kind: [ENTRYBAN] }) { totalCount } }');
    expect(response.errors).toEqual([
      {
        message: `Value "ENTRYBAN" does not exist in "MeasureKind" enum. ${kinds}`,
        locations: [{ line: 1, column: 29 }],
        extensions: { code: 'BAD_USER_INPUT', field: 'filter.kind[0]' },
      },
    ]);
    expect(kinds).toMatch(/^Valid values: ENTRY_BAN, ASSET_FREEZE, .*, OTHER\.$/);
  });

  test('a variable, over HTTP GET', async () => {
    const query = 'query($s: MeasureStatus!) { measures(filter: { status: [$s] }) { totalCount } }';
    const response = await fetch(
      `${server.url}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent('{"s":"ACTIVE"}')}`,
    );
    const { errors } = (await response.json()) as { errors: ClientError[] };
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: `Variable "$s" got invalid value "ACTIVE"; Value "ACTIVE" does not exist in "MeasureStatus" enum. ${statuses}`,
      extensions: { code: 'BAD_USER_INPUT', field: 's' },
    });
  });

  test('a value in quotes is told to drop them', async () => {
    const response = await server.gql(
      '{ measures(filter: { kind: ["ENTRY_BAN"] }) { totalCount } }',
    );
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.message).toBe(
      'Enum "MeasureKind" cannot represent non-enum value: "ENTRY_BAN". ' +
        'Write enum values without quotes: ENTRY_BAN.',
    );
  });

  test('a mutation input in variables', async () => {
    const { key } = await server.createKey(Role.EDITOR);
    const response = await server.gqlAs(key, ADD_MEASURE, {
      input: measureInput({ kind: 'entry_ban' }),
    });
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.message).toMatch(
      /^Variable "\$input" got invalid value "entry_ban" at "input\.kind"; Value "entry_ban" does not exist in "MeasureKind" enum\. Valid values: ENTRY_BAN, /,
    );
    expect(response.errors![0]!.extensions).toMatchObject({ field: 'input.kind' });
  });

  test('while a misspelled field name still gets no hint', async () => {
    const response = await server.gql(
      '{ measures(filter: { kind: [ENTRYBAN] }) { edges { node { titel } } } }',
    );
    const messages = response.errors!.map((error) => error.message);
    expect(messages).toEqual([
      `Value "ENTRYBAN" does not exist in "MeasureKind" enum. ${kinds}`,
      'Cannot query field "titel" on type "Measure".',
    ]);
  });

  test('a literal, over WebSocket', async () => {
    const errors = await refusedOverWebSocket(
      'subscription { measureAdded(filter: { kind: [ENTRYBAN] }) { id } }',
    );
    expect(errors).toEqual([
      {
        message: `Value "ENTRYBAN" does not exist in "MeasureKind" enum. ${kinds}`,
        locations: [{ line: 1, column: 46 }],
        extensions: { code: 'BAD_USER_INPUT', field: 'filter.kind[0]' },
      },
    ]);
  });

  test('a variable, over WebSocket', async () => {
    const errors = await refusedOverWebSocket(
      'subscription($s: [MeasureStatus!]) { measureUpdated(filter: { status: $s }) { id } }',
      { s: ['IN_FORCE', 'ACTIVE'] },
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message:
        'Variable "$s" got invalid value "ACTIVE" at "s[1]"; ' +
        `Value "ACTIVE" does not exist in "MeasureStatus" enum. ${statuses}`,
      extensions: { code: 'BAD_USER_INPUT', field: 's[1]' },
    });
  });
});

describe('a country code that is not one answers with the code meant', () => {
  const notAlpha2 = (given: string, meant: string) =>
    `"${given}" is not an ISO 3166-1 alpha-2 country code; did you mean "${meant}"?`;
  const noSuch = (given: string, meant: string) =>
    `There is no country with code "${given}"; did you mean "${meant}"?`;

  test.each([
    [
      '{ measures(filter: { imposedBy: ["RUS"] }) { totalCount } }',
      'filter.imposedBy[0]',
      notAlpha2('RUS', 'RU'),
    ],
    [
      '{ measures(filter: { targetCountry: ["JP", "uk"] }) { totalCount } }',
      'filter.targetCountry[1]',
      noSuch('UK', 'GB'),
    ],
    [
      '{ officials(filter: { country: ["russia"] }) { totalCount } }',
      'filter.country[0]',
      notAlpha2('russia', 'RU'),
    ],
    ['{ statements(country: ["EL"]) { totalCount } }', 'country[0]', noSuch('EL', 'GR')],
    [
      '{ country(code: "JP") { measuresImposed(filter: { targetCountry: ["Türkiye"] }) { totalCount } } }',
      'filter.targetCountry[0]',
      notAlpha2('Türkiye', 'TR'),
    ],
    ['{ country(code: "Japan") { name } }', 'code', notAlpha2('Japan', 'JP')],
  ])('in a read: %s', async (query, field, message) => {
    const response = await server.gql(query);
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]).toMatchObject({
      message,
      extensions: { code: 'BAD_USER_INPUT', field },
    });
  });

  test('a code of no country, and nothing like one, is refused without a hint', async () => {
    const response = await server.gql('{ measures(filter: { imposedBy: ["XX"] }) { totalCount } }');
    expect(response.errors![0]!.message).toBe('There is no country with code "XX".');
  });

  test('country(code:) with a well-formed code of no country is null, not an error', async () => {
    // A lookup of one thing that does not exist is null, as node(id) is (docs/api.md).
    for (const code of ['XX', 'UK']) {
      const response = await server.gql(`{ country(code: "${code}") { name } }`);
      expect(response).toMatchObject({ data: { country: null } });
      expect(response.errors).toBeUndefined();
    }
  });

  test('in write inputs', async () => {
    const { key } = await server.createKey(Role.EDITOR);
    const cases: [string, Record<string, unknown>, string, string][] = [
      [
        ADD_MEASURE,
        { input: measureInput({ imposedBy: 'RUS' }) },
        'input.imposedBy',
        'input.imposedBy must be an ISO 3166-1 alpha-2 country code; did you mean "RU"?',
      ],
      [
        ADD_MEASURE,
        { input: measureInput({ targetCountry: 'UK' }) },
        'input.targetCountry',
        noSuch('UK', 'GB'),
      ],
      [
        ADD_MEASURE,
        {
          input: measureInput({ newTargets: [{ name: 'A', country: 'Japan', category: 'OTHER' }] }),
        },
        'input.newTargets[0].country',
        'input.newTargets[0].country must be an ISO 3166-1 alpha-2 country code; did you mean "JP"?',
      ],
      [ADD_STATEMENT, { input: statementInput('EL') }, 'input.country', noSuch('EL', 'GR')],
    ];
    const counts = '{ measures { totalCount } statements { totalCount } officials { totalCount } }';
    const before = (await server.gql(counts)).data;
    for (const [mutation, variables, field, message] of cases) {
      const response = await server.gqlAs(key, mutation, variables);
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]).toMatchObject({
        message,
        extensions: { code: 'BAD_USER_INPUT', field },
      });
    }
    // Nothing was written.
    expect((await server.gql(counts)).data).toEqual(before);
  });

  test('in subscriptions, over WebSocket', async () => {
    const client = connect(server.url);
    const statements = client.subscribe('subscription { statementAdded(country: ["EL"]) { id } }');
    const measures = client.subscribe(
      'subscription($f: MeasureFilter) { measureAdded(filter: $f) { id } }',
      { f: { imposedBy: ['JP', 'Russia'] } },
    );
    const [statementError] = (await statements.waitFor(1))[0]!.errors!;
    expect(statementError).toMatchObject({
      message: noSuch('EL', 'GR'),
      extensions: { code: 'BAD_USER_INPUT', field: 'country[0]' },
    });
    const [measureError] = (await measures.waitFor(1))[0]!.errors!;
    expect(measureError).toMatchObject({
      message: notAlpha2('Russia', 'RU'),
      extensions: { code: 'BAD_USER_INPUT', field: 'filter.imposedBy[1]' },
    });
  });
});

describe('messages read as English: articles, plurals, full stops', () => {
  test('the ID of an Official, of a Measure', async () => {
    const official = encodeGlobalId('Official', 1);
    const measure = encodeGlobalId('Measure', 1);
    const response = await server.gql(
      `{ measure(id: "${official}") { id } official(id: "${measure}") { id } }`,
    );
    expect(response.errors!.map((error) => error.message).sort()).toEqual([
      'Expected the ID of a Measure, got the ID of an Official.',
      'Expected the ID of an Official, got the ID of a Measure.',
    ]);
  });

  test('in write inputs', async () => {
    const { key } = await server.createKey(Role.EDITOR);
    const cases: [Record<string, unknown>, string][] = [
      [{ sources: [] }, 'input.sources must contain at least 1 element.'],
      [{ title: '  ' }, 'input.title must not be empty.'],
      [{ targetCount: -1 }, 'input.targetCount must not be less than 0.'],
      [
        { targetCount: 0, newTargets: [{ name: 'A', country: 'JP', category: 'OTHER' }] },
        'targetCount (0) is less than the 1 named target.',
      ],
    ];
    for (const [overrides, message] of cases) {
      const response = await server.gqlAs(key, ADD_MEASURE, { input: measureInput(overrides) });
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]!.message).toBe(message);
    }
  });

  test('an API key name', async () => {
    const { key } = await server.createKey(Role.ADMIN);
    const response = await server.gqlAs(
      key,
      'mutation { createApiKey(name: " ", role: EDITOR) { key } }',
    );
    expect(response.errors![0]!.message).toBe('name must not be empty.');
  });
});

describe("a Date that is not one says how to write it, naming the API's scalar", () => {
  test.each([
    ['"2024-02-30"', '"2024-02-30" is not a valid Date: there is no such day.'],
    ['"2024-2-3"', '"2024-2-3" is not a valid Date: write YYYY-MM-DD, e.g. "2022-05-04".'],
    ['"0000-01-01"', '"0000-01-01" is not a valid Date: the first year is 0001.'],
    ['20240203', 'A Date is a string, YYYY-MM-DD (e.g. "2022-05-04"); got 20240203.'],
  ])('a literal %s', async (literal, message) => {
    const response = await server.gql(
      `{ measures(filter: { announcedFrom: ${literal} }) { totalCount } }`,
    );
    expect(response.errors).toEqual([
      {
        message,
        locations: [{ line: 1, column: 37 }],
        extensions: { code: 'BAD_USER_INPUT', field: 'filter.announcedFrom' },
      },
    ]);
  });

  test('a variable', async () => {
    const response = await server.gql(
      'query($d: Date!) { measures(filter: { announcedFrom: $d }) { totalCount } }',
      { d: '2024-13-01' },
    );
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]).toMatchObject({
      message:
        'Variable "$d" got invalid value "2024-13-01"; ' +
        '"2024-13-01" is not a valid Date: there is no such day.',
      extensions: { code: 'BAD_USER_INPUT', field: 'd' },
    });
  });
});
