import { Role } from '../../../src/auth/role';
import { MeasureKind, MeasureStatus } from '../../../src/measures/measure.enums';
import { ADD_MEASURE, measureInput } from '../../helpers/fixtures';
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
