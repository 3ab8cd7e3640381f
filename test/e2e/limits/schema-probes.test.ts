import { cleanUp } from '../../helpers/cleanup';
import {
  expectNoLeaks,
  firstReply,
  type HostileTarget,
  replyErrors,
  startHostileTarget,
} from '../../helpers/hostile';
import { loadConfig } from '../../../src/config';
import { startTestServer, type TestServer } from '../../helpers/server';
import { connect } from '../../helpers/ws';

/**
 * Probes of the schema in production mode: misspelled names get no "Did you mean" on either
 * transport (fields, arguments, input fields, enum values, variable types, directive arguments,
 * type conditions), deep introspection is refused by its depth, and INTROSPECTION=false closes
 * introspection and nothing else. After each WebSocket probe a fresh connection still receives a
 * newly added measure, and every table is still there.
 */
let target: HostileTarget;
let server: TestServer;
const stillLive = () => target.stillLive();
const tablesIntact = () => target.tablesIntact();

beforeAll(async () => {
  target = await startHostileTarget({ livePollMs: 200 });
  ({ server } = target);
});
afterEach(() => target.subscriptionsEnded());
afterAll(cleanUp);

describe('over graphql-ws: schema probes get no suggestions', () => {
  const ofType = (n: number) => `${'ofType { '.repeat(n)}name${' }'.repeat(n)}`;
  const probes: [string, string, Record<string, unknown> | undefined, string, RegExp][] = [
    [
      'a misspelled field of Measure',
      'subscription { measureAdded { titel } }',
      undefined,
      'BAD_USER_INPUT',
      /"title"/,
    ],
    [
      'a misspelled subscription field',
      'subscription { measureAded { id } }',
      undefined,
      'BAD_USER_INPUT',
      /"measureAdded"/,
    ],
    [
      'a misspelled argument',
      'subscription { measureAdded(filtr: { text: "x" }) { id } }',
      undefined,
      'BAD_USER_INPUT',
      /"filter"/,
    ],
    [
      'a misspelled input field (literal)',
      'subscription { measureAdded(filter: { txt: "x" }) { id } }',
      undefined,
      'BAD_USER_INPUT',
      /"text"/,
    ],
    [
      'a misspelled input field (variable)',
      'subscription($f: MeasureFilter) { measureAdded(filter: $f) { id } }',
      { f: { txt: 'x' } },
      'BAD_USER_INPUT',
      /"text"/,
    ],
    // (A misspelled enum value is answered with the values the enum takes: they are public API,
    // see test/e2e/reads/error-messages.test.ts.)
    [
      'a misspelled type of a variable',
      'subscription($f: MeasureFiltr) { measureAdded(filter: $f) { id } }',
      undefined,
      'BAD_USER_INPUT',
      /"MeasureFilter"/,
    ],
    [
      'introspection at the root of a subscription',
      'subscription { __schema { types { name fields { name } } } }',
      undefined,
      'BAD_USER_INPUT',
      /Did you/,
    ],
    [
      '__type inside an event',
      'subscription { measureAdded { __type(name: "Query") { name } } }',
      undefined,
      'BAD_USER_INPUT',
      /Did you/,
    ],
    [
      'a deep introspection probe',
      `subscription { __schema { types { fields { type { ${ofType(16)} } } } } }`,
      undefined,
      'QUERY_TOO_COMPLEX',
      /Did you/,
    ],
    [
      'a deep introspection probe in a second operation',
      `subscription { measureAdded { __typename ...on Measure { id } } } query Q { __schema { types { fields { type { ${ofType(16)} } } } } }`,
      undefined,
      'QUERY_TOO_COMPLEX',
      /Did you/,
    ],
  ];

  test.each(probes)('%s → %s', async (_, query, variables, code, meant) => {
    const reply = await firstReply(server, query, variables);
    const errors = replyErrors(reply);
    expect(errors.length).toBeGreaterThan(0);
    expectNoLeaks(errors);
    // No part of the schema came back.
    expect(JSON.stringify(reply)).not.toMatch(/"__schema"|"types"|"fields":\[/);
    // Nor does any message name what was meant.
    expect(errors.map((e) => e.message).join('\n')).not.toMatch(meant);
    expect(errors[0]!.extensions?.code).toBe(code);
    for (const error of errors)
      expect(['BAD_USER_INPUT', 'QUERY_TOO_COMPLEX']).toContain(error.extensions?.code);
    await stillLive();
  });

  test('the misspelled field is named, without the field it resembles', async () => {
    const reply = await firstReply(server, 'subscription { measureAdded { titel } }');
    expect(replyErrors(reply)[0]!.message).toBe('Cannot query field "titel" on type "Measure".');
    await stillLive();
  });
});

describe('over HTTP: deep introspection and suggestion probes in production', () => {
  const ofType = (n: number) => `${'ofType { '.repeat(n)}name${' }'.repeat(n)}`;

  test('a deep introspection probe → QUERY_TOO_COMPLEX', async () => {
    const response = await server.gql(
      `{ __schema { types { fields { type { ${ofType(16)} } } } } }`,
    );
    expect(response.data ?? null).toBeNull();
    expect(response.errors!.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.errors![0]!.message).toMatch(/depth/);
    await tablesIntact();
  });

  test.each([
    // Introspection typos: whether or not introspection is open, no hint at the right name.
    ['{ __schema { typs { name } } }', undefined, /"types"/],
    // (graphql-js does say that the required argument `name` is missing: that is no hint.)
    ['{ __type(nam: "Query") { name } }', undefined, /Did you/],
    // (An unknown enum value lists the valid ones, in production too: enum values are public API,
    // see test/e2e/reads/error-messages.test.ts.)
    [
      '{ country(code: "RU") { measuresReceived(filter: { txt: "x" }) { totalCount } } }',
      'Field "txt" is not defined by type "MeasureFilter".',
      /"text"/,
    ],
    [
      '{ country(code: "RU") { officials(filter: { nam: "x" }) { totalCount } } }',
      'Field "nam" is not defined by type "OfficialFilter".',
      /"name"/,
    ],
  ] as const)('%s: no suggestion', async (query, message, meant) => {
    const response = await server.gql(query);
    expect(response.data ?? null).toBeNull();
    expectNoLeaks(response.errors);
    expect(response.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    if (message) expect(response.errors![0]!.message).toBe(message);
    // Nor does any message name the field or value that was meant.
    expect(response.errors!.map((e) => e.message).join('\n')).not.toMatch(meant);
  });

  test('a misspelled input field in variables: no suggestion', async () => {
    const response = await server.gql(
      'query($f: MeasureFilter) { country(code: "RU") { measuresImposed(filter: $f) { totalCount } } }',
      { f: { txt: 'x' } },
    );
    expect(response.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expectNoLeaks(response.errors);
  });
});

/** POSTs `query` and returns the answer as text, as a client sees it. */
async function postText(target: TestServer, query: string) {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, text: await response.text() };
}

describe('variable types, directive arguments, enum values and type conditions', () => {
  const probes: [string, RegExp][] = [
    ['query($f: MeasureFiltr) { measures(filter: $f) { totalCount } }', /"MeasureFilter"/],
    ['{ __typename @include(iff: true, if: true) }', /"if"/],
    ['{ measures(filter: { kind: ["ASSET_FREEZE"] }) { totalCount } }', /the enum value/],
    // (An unknown enum value lists the valid ones: they are public API, see
    // test/e2e/reads/error-messages.test.ts.)
    ['{ measures { edges { node { ... on Measur { id } } } } }', /"Measure"/],
  ];
  test.each(probes)('HTTP %s: no "Did you mean"', async (query, meant) => {
    const body = JSON.parse((await postText(server, query)).text);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const messages = body.errors.map((e: { message: string }) => e.message).join('\n');
    expect(messages).not.toMatch(/Did you mean/);
    expect(messages).not.toMatch(meant);
  });

  test('graphql-ws: an unknown enum value and an unknown input field inside variables', async () => {
    const client = connect(server.url);
    for (const [query, variables] of [
      [
        'subscription($o: [MeasureStatus!]) { measureAdded(filter: { status: $o }) { id } }',
        { o: ['IN_FORC'] },
      ],
      [
        'subscription($f: MeasureFilter) { measureAdded(filter: $f) { id } }',
        { f: { imposdBy: ['GB'] } },
      ],
    ] as const) {
      const sub = client.subscribe(query, variables);
      await sub.ended();
      const text = JSON.stringify(sub.failed);
      expect(text).toMatch(/BAD_USER_INPUT/);
      // The enum's values are listed (public API); the input field's name is not hinted.
      expect(text).not.toMatch(/Did you mean|"imposedBy"/);
    }
  });
});

test('INTROSPECTION=false refuses introspection (a Subscription root has none to offer), nothing else', async () => {
  const defaults = loadConfig({ NODE_ENV: 'test' });
  const closed = await startTestServer({ limits: { ...defaults.limits, introspection: false } });
  for (const query of [
    '{ __schema { queryType { name } } }',
    '{ __type(name: "Measure") { name } }',
  ]) {
    const response = await closed.gql(query);
    expect(response.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(response.errors![0]!.message).toMatch(/introspection/i);
  }
  const open = await server.gql('{ __type(name: "Measure") { name } }');
  expect(open.data).toEqual({ __type: { name: 'Measure' } });
  const { data, errors } = await closed.gql('{ country(code: "JP") { name } }');
  expect(errors).toBeUndefined();
  expect(data).toEqual({ country: { name: 'Japan' } });
});
