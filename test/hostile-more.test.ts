import { Role } from '../src/auth/role';
import { decodeIntId } from '../src/common/global-id';
import {
  insertMeasure,
  insertOfficial,
  insertStatement,
  measureInput,
  type OfficialRow,
} from './helpers/fixtures';
import { startTestServer, stopAllServers, type TestServer } from './helpers/server';
import {
  closeOf,
  connect,
  disposeClients,
  nextMessage,
  rawSocket,
  type TestSubscription,
} from './helpers/ws';
import { sleep, waitUntil } from './helpers/wait';

/**
 * More of what anyone on the internet can send, against a server in production mode: injection
 * strings in every string argument of the subscriptions and of nested connections, every string
 * field of the mutations, schema probes and oversized or batched messages over graphql-ws, and
 * CORS with a list of origins. After each WebSocket case a fresh connection must still receive a
 * newly added measure, and every table must still be there.
 */

const WS_MAX_PAYLOAD = 64 * 1024;

let server: TestServer;
let editor: string;
let official: OfficialRow;
let fixtureMeasureId: string;
let lastMeasure: string;
let lastStatement: string;

const ADD_MEASURE = 'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id } }';
const ADD_STATEMENT = 'mutation($input: AddStatementInput!) { addStatement(input: $input) { id } }';

let added = 0;
async function addMeasure(overrides: Record<string, unknown> = {}): Promise<string> {
  added += 1;
  const response = await server.gqlAs(editor, ADD_MEASURE, {
    input: measureInput({ title: `Hostile-more measure ${added}`, ...overrides }),
  });
  expect(response.errors).toBeUndefined();
  lastMeasure = response.data.addMeasure.id;
  return lastMeasure;
}

async function addStatement(overrides: Record<string, unknown> = {}): Promise<string> {
  const response = await server.gqlAs(editor, ADD_STATEMENT, {
    input: {
      issuedOn: '2024-04-02',
      country: 'RU',
      issuer: 'Ministry of Testing',
      text: 'Text.',
      sources: [{ title: 'S' }],
      ...overrides,
    },
  });
  expect(response.errors).toBeUndefined();
  lastStatement = response.data.addStatement.id;
  return lastStatement;
}

const TABLES = [
  'country',
  'official',
  'measure',
  'measure_target',
  'statement',
  'statement_measure',
  'source',
  'api_key',
  'change_log',
];
let baseline: Record<string, number>;

async function tableCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = row!.n;
  }
  return counts;
}

/** Every table is still there and lost no row (these tests only ever add). */
async function tablesIntact(): Promise<void> {
  const present = await server.db.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY($1::text[])`,
    [TABLES],
  );
  expect(present.map((r) => r.relname).sort()).toEqual([...TABLES].sort());
  const counts = await tableCounts();
  for (const table of TABLES) expect(counts[table]).toBeGreaterThanOrEqual(baseline[table]!);
  const { data, errors } = await server.gql('{ country(code: "JP") { name } }');
  expect(errors).toBeUndefined();
  expect(data).toEqual({ country: { name: 'Japan' } });
}

/**
 * A plain measureAdded subscription on a fresh connection receives a measure added after the
 * server registered it (through the live path, not a replay), and the tables are intact.
 */
async function stillLive(): Promise<void> {
  const feed = server.app.services.measureFeed;
  const before = feed.subscriberCount;
  const client = connect(server.url);
  const sub = client.subscribe('subscription { measureAdded { id title } }');
  await waitUntil('the liveness subscription', () => feed.subscriberCount > before);
  const id = await addMeasure({ title: 'Liveness check' });
  const [event] = await sub.waitFor(1, 10_000);
  expect(event).toEqual({ data: { measureAdded: { id, title: 'Liveness check' } } });
  await client.dispose();
  await tablesIntact();
}

type ErrorShape = { message: string; extensions?: Record<string, unknown> };

/** The errors that ended a subscription: an `error` message, or `next` with errors + complete. */
async function errorsOf(sub: TestSubscription, timeoutMs = 5000): Promise<ErrorShape[]> {
  await sub.ended(timeoutMs);
  if (sub.failed !== undefined && !Array.isArray(sub.failed)) {
    const { code, reason } = sub.failed as { code?: number; reason?: string };
    throw new Error(`the socket closed (${code} ${reason}) instead of answering`);
  }
  const errors = Array.isArray(sub.failed)
    ? (sub.failed as ErrorShape[])
    : sub.events.flatMap((event) => (event.errors ?? []) as ErrorShape[]);
  // Nothing but errors came back.
  expect(sub.events.filter((event) => event.data != null)).toEqual([]);
  return errors;
}

function expectNoLeaks(errors: unknown): void {
  const text = JSON.stringify(errors);
  expect(text).not.toMatch(/INTERNAL_SERVER_ERROR/);
  expect(text).not.toMatch(/Did you mean/);
  expect(text).not.toMatch(/stacktrace| {4}at |syntax error at or near|relation "/);
}

/** Over a raw socket: connection_init, subscribe, and the first reply; the socket is closed. */
async function firstReply(query: string, variables?: Record<string, unknown>): Promise<any> {
  const socket = await rawSocket(server.url);
  try {
    socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await nextMessage(socket)).type).toBe('connection_ack');
    const reply = nextMessage(socket);
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
    return await reply;
  } finally {
    socket.close();
  }
}

/** The errors of a reply: an `error` message's payload, or a `next` message's errors. */
function replyErrors(reply: any): ErrorShape[] {
  if (reply.type === 'error') return reply.payload;
  if (reply.type === 'next') return reply.payload.errors ?? [];
  throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
}

const id = (type: string, key: string) => Buffer.from(`${type}:${key}`).toString('base64url');
const cursor = (...parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
/** A cursor of the countries list, positioned at `code`. */
const countryCursor = (code: string) => cursor('country:CODE', code);

/** SQL injection and LIKE-wildcard strings; none starts or ends with whitespace (input is trimmed). */
const PAYLOADS = [
  "' OR '1'='1",
  "'; DROP TABLE measure; --",
  '" OR 1=1 --',
  "1'); SELECT pg_sleep(5); --",
  "'||pg_sleep(5)||'",
  "%' OR 1=1 --",
  '%',
  '_',
  '%_%',
  '\\',
  "\\'; DROP TABLE official; --",
  '\\x27 OR 1=1; DELETE FROM statement; --',
  '$$ OR $$1$$=$$1',
  "' UNION SELECT key_hash, null FROM api_key --",
  '/* */; TRUNCATE change_log CASCADE; --',
  '\u2019; DROP TABLE source; --',
];

/** IDs that decode to a type and an injection instead of an integer key. */
const CRAFTED_IDS = [
  id('Measure', '1 OR 1=1'),
  id('Official', "1'; DROP TABLE measure; --"),
  id('Statement', '1; DELETE FROM statement'),
  id('Measure', '-1'),
  id('Measure', '0x1'),
];

beforeAll(async () => {
  server = await startTestServer({
    nodeEnv: 'production',
    livePollMs: 200,
    wsMaxPayloadBytes: WS_MAX_PAYLOAD,
    wsMaxSubscriptions: 50,
  });
  ({ key: editor } = await server.createKey(Role.EDITOR));
  official = await insertOfficial(server.db, {
    name: 'Injection Target',
    country: 'RU',
    aliases: ['Plain alias'],
  });
  // Names with the characters LIKE treats as wildcards or escapes.
  for (const name of ['Percent 100% Sure', 'Under_Score Name', 'Back\\Slash Name'])
    await insertOfficial(server.db, { name, country: 'RU' });
  const measure = await insertMeasure(server.db, {
    title: 'Fixture freeze',
    imposedBy: 'GB',
    targetCountry: 'RU',
    announcedOn: '2024-01-01',
    targets: [official.id],
  });
  fixtureMeasureId = measure.globalId;
  await insertStatement(server.db, {
    country: 'RU',
    issuedOn: '2024-01-02',
    speaker: official.id,
    measures: [measure.id],
  });
  await addMeasure({ title: 'Anchor measure' });
  await addStatement({ title: 'Anchor statement' });
  baseline = await tableCounts();
});
afterEach(async () => {
  await disposeClients();
  // Every subscription of the test is gone on the server too: the next one counts from zero.
  const { measureFeed, statementFeed } = server.app.services;
  await waitUntil(
    'the subscriptions of the last test to end',
    () => measureFeed.subscriberCount === 0 && statementFeed.subscriberCount === 0,
  );
});
afterAll(stopAllServers);

describe('over graphql-ws, in production', () => {
  interface WsCase {
    name: string;
    type: string;
    /** The subscription's selection, with `v` standing for the string. */
    select: (v: string) => string;
    field: string;
    values: string[];
  }
  const WS_CASES: WsCase[] = [
    {
      name: 'measureAdded(filter.imposedBy)',
      type: 'String!',
      select: (v) => `measureAdded(filter: { imposedBy: ["GB", ${v}] }) { id }`,
      field: 'filter.imposedBy[1]',
      values: PAYLOADS,
    },
    {
      name: 'measureAdded(filter.targetCountry)',
      type: 'String!',
      select: (v) => `measureAdded(filter: { targetCountry: [${v}] }) { id }`,
      field: 'filter.targetCountry[0]',
      values: PAYLOADS,
    },
    {
      name: 'measureAdded(filter.targetsOfficial)',
      type: 'ID',
      select: (v) => `measureAdded(filter: { targetsOfficial: ${v} }) { id }`,
      field: 'filter.targetsOfficial',
      values: [...PAYLOADS, ...CRAFTED_IDS],
    },
    {
      name: 'measureAdded(since)',
      type: 'ID',
      select: (v) => `measureAdded(since: ${v}) { id }`,
      field: 'since',
      values: [...PAYLOADS, ...CRAFTED_IDS, id('Statement', '1')],
    },
    {
      name: 'measureUpdated(filter.imposedBy)',
      type: 'String!',
      select: (v) => `measureUpdated(filter: { imposedBy: [${v}] }) { id }`,
      field: 'filter.imposedBy[0]',
      values: PAYLOADS,
    },
    {
      name: 'statementAdded(country)',
      type: 'String!',
      select: (v) => `statementAdded(country: ["RU", ${v}]) { id }`,
      field: 'country[1]',
      values: PAYLOADS,
    },
    {
      name: 'statementAdded(since)',
      type: 'ID',
      select: (v) => `statementAdded(since: ${v}) { id }`,
      field: 'since',
      values: [...PAYLOADS, ...CRAFTED_IDS, id('Measure', '1')],
    },
  ];

  test.each(WS_CASES)(
    '$name: injection strings as variables and literals → BAD_USER_INPUT naming $field',
    async ({ type, select, field, values }) => {
      const client = connect(server.url);
      for (const value of values) {
        for (const [query, variables] of [
          [`subscription($v: ${type}) { ${select('$v')} }`, { v: value }],
          [`subscription { ${select(JSON.stringify(value))} }`, undefined],
        ] as const) {
          const started = Date.now();
          const errors = await errorsOf(client.subscribe(query, variables));
          expect(Date.now() - started).toBeLessThan(4000); // no pg_sleep ran
          expect(errors.map((e) => e.extensions)).toEqual([
            expect.objectContaining({ code: 'BAD_USER_INPUT', field }),
          ]);
          expectNoLeaks(errors);
        }
      }
      await stillLive();
    },
  );

  test('measureAdded(filter.text): injection strings are searched as text, exactly as the measures query searches', async () => {
    const since = lastMeasure;
    const client = connect(server.url);
    const query =
      'subscription($t: String, $since: ID) { measureAdded(filter: { text: $t }, since: $since) { id } }';
    // `since` replays what was committed before the server registered a subscription: no race.
    const subs = PAYLOADS.map((t) => client.subscribe(query, { t, since }));
    const probes: string[] = [];
    for (const payload of PAYLOADS) probes.push(await addMeasure({ title: `Probe ${payload}` }));
    const unrelated = await addMeasure({ title: 'Unrelated zebra crossing' });
    let matched = 0;
    for (const [i, payload] of PAYLOADS.entries()) {
      const http = await server.gql(
        'query($t: String) { measures(first: 100, filter: { text: $t }) { edges { node { id } } } }',
        { t: payload },
      );
      expect(http.errors).toBeUndefined();
      const found = new Set(
        (http.data.measures.edges as { node: { id: string } }[]).map((e) => e.node.id),
      );
      const expected = [...probes, unrelated].filter((probe) => found.has(probe));
      expect(expected).not.toContain(unrelated);
      matched += expected.length;
      const sub = subs[i]!;
      if (expected.length > 0) await sub.waitFor(expected.length, 10_000);
      await sleep(expected.length > 0 ? 50 : 300);
      expect(sub.failed).toBeUndefined();
      expect(sub.completed).toBe(false);
      expect(sub.events.flatMap((e) => e.errors ?? [])).toEqual([]);
      expect(sub.events.map((e) => e.data.measureAdded.id)).toEqual(expected);
    }
    // The strings were read as search terms: at least some matched the probes titled with them.
    expect(matched).toBeGreaterThan(0);
    await stillLive();
  });

  describe('huge first/last inside a subscription selection', () => {
    const cases: [string, string, Record<string, unknown> | undefined, string][] = [
      [
        'targets(first: 100000) as a literal',
        'subscription { measureAdded { id targets(first: 100000) { totalCount edges { node { id } } } } }',
        undefined,
        'first',
      ],
      [
        'targets(first: $n) as a variable',
        'subscription($n: Int) { measureAdded { id targets(first: $n) { totalCount edges { node { id } } } } }',
        { n: 100_000 },
        'first',
      ],
      [
        'targets(last: $n) as a variable',
        'subscription($n: Int) { measureAdded { id targets(last: $n) { totalCount } } }',
        { n: 100_000 },
        'last',
      ],
      [
        'nested: imposedBy.measuresImposed(first: $n)',
        'subscription($n: Int) { measureAdded { id imposedBy { measuresImposed(first: $n) { totalCount } } } }',
        { n: 2_000_000_000 },
        'first',
      ],
      [
        'negative first',
        'subscription { measureAdded { id targets(first: -5) { totalCount } } }',
        undefined,
        'first',
      ],
    ];

    test.each(cases)(
      '%s → BAD_USER_INPUT naming it, when subscribing',
      async (_, query, variables, field) => {
        const feed = server.app.services.measureFeed;
        const before = feed.subscriberCount;
        const client = connect(server.url);
        const sub = client.subscribe(query, variables);
        const refused = await sub.ended(300).then(
          () => true,
          () => false,
        );
        // Refused when subscribing, once, naming the argument: not in every event.
        expect(refused).toBe(true);
        const errors = await errorsOf(sub);
        expect(errors.map((e) => e.extensions)).toEqual([
          expect.objectContaining({ code: 'BAD_USER_INPUT', field }),
        ]);
        expect(feed.subscriberCount).toBe(before);
        expectNoLeaks(errors);
        await stillLive();
      },
    );

    test('a first beyond Int as a variable → BAD_USER_INPUT, as over HTTP', async () => {
      const query =
        'subscription($n: Int) { measureAdded { id targets(first: $n) { totalCount } } }';
      const reply = await firstReply(query, { n: 2 ** 31 });
      const errors = replyErrors(reply);
      expect(errors[0]!.message).toMatch(/\$n/);
      expectNoLeaks(errors);
      const http = await server.gql(
        'query($n: Int) { measures { edges { node { targets(first: $n) { totalCount } } } } }',
        { n: 2 ** 31 },
      );
      expect(http.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      await stillLive();
    });

    test('a first beyond Int as a literal → BAD_USER_INPUT', async () => {
      const reply = await firstReply(
        'subscription { measureAdded { id targets(first: 99999999999) { totalCount } } }',
      );
      expect(reply.type).toBe('error');
      expect(replyErrors(reply).map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      await stillLive();
    });

    test('statementAdded { country { officials(first: 100000) } } → BAD_USER_INPUT when subscribing', async () => {
      const feed = server.app.services.statementFeed;
      const before = feed.subscriberCount;
      const client = connect(server.url);
      const sub = client.subscribe(
        'subscription($n: Int) { statementAdded { id country { officials(first: $n) { totalCount } } } }',
        { n: 100_000 },
      );
      const refused = await sub.ended(300).then(
        () => true,
        () => false,
      );
      expect(refused).toBe(true);
      const errors = await errorsOf(sub);
      expect(errors.map((e) => e.extensions)).toEqual([
        expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'first' }),
      ]);
      expect(feed.subscriberCount).toBe(before);
      expectNoLeaks(errors);
      await stillLive();
    });
  });

  describe('schema probes get no suggestions', () => {
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
      [
        'a misspelled enum value (literal)',
        'subscription { measureAdded(filter: { kind: [ASSET_FREZE] }) { id } }',
        undefined,
        'BAD_USER_INPUT',
        /ASSET_FREEZE/,
      ],
      [
        'a misspelled enum value (variable)',
        'subscription($k: [MeasureKind!]) { measureAdded(filter: { kind: $k }) { id } }',
        { k: ['ASSET_FREZE'] },
        'BAD_USER_INPUT',
        /ASSET_FREEZE/,
      ],
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
      const reply = await firstReply(query, variables);
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
      const reply = await firstReply('subscription { measureAdded { titel } }');
      expect(replyErrors(reply)[0]!.message).toBe('Cannot query field "titel" on type "Measure".');
      await stillLive();
    });
  });

  describe('message size', () => {
    const query = 'subscription($t: String) { measureAdded(filter: { text: $t }) { id } }';
    const message = (padding: number) =>
      JSON.stringify({
        id: 'big',
        type: 'subscribe',
        payload: { query, variables: { t: 'x'.repeat(padding) } },
      });
    const fitting = WS_MAX_PAYLOAD - message(0).length;

    test('a message of exactly the limit is read (and its over-long text refused by name)', async () => {
      const socket = await rawSocket(server.url);
      socket.send(JSON.stringify({ type: 'connection_init' }));
      expect((await nextMessage(socket)).type).toBe('connection_ack');
      const atLimit = message(fitting);
      expect(Buffer.byteLength(atLimit)).toBe(WS_MAX_PAYLOAD);
      const reply = nextMessage(socket);
      socket.send(atLimit);
      const errors = replyErrors(await reply);
      expect(errors.map((e) => e.extensions)).toEqual([
        expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'filter.text' }),
      ]);
      expectNoLeaks(errors);
      // The socket is still open and usable.
      const closed = closeOf(socket);
      socket.close(1000);
      expect((await closed).code).toBe(1000);
      await stillLive();
    });

    test('one byte over the limit closes the socket with 1009', async () => {
      const socket = await rawSocket(server.url);
      socket.send(JSON.stringify({ type: 'connection_init' }));
      expect((await nextMessage(socket)).type).toBe('connection_ack');
      const over = message(fitting + 1);
      expect(Buffer.byteLength(over)).toBe(WS_MAX_PAYLOAD + 1);
      const closed = closeOf(socket);
      const replies: unknown[] = [];
      socket.on('message', (data) => replies.push(JSON.parse(data.toString())));
      socket.send(over);
      expect((await closed).code).toBe(1009);
      expect(replies).toEqual([]);
      await stillLive();
    });

    test('oversized variables, even unused ones, close the socket; just under the limit is served', async () => {
      const feed = server.app.services.measureFeed;
      const before = feed.subscriberCount;
      const under = connect(server.url);
      const pad = 'p'.repeat(WS_MAX_PAYLOAD - 200);
      const served = under.client.subscribe(
        { query: 'subscription { measureAdded { id } }', variables: { pad } },
        { next: () => undefined, error: () => undefined, complete: () => undefined },
      );
      const sub = under.subscribe('subscription { measureAdded { id title } }', { pad });
      await waitUntil('both padded subscriptions', () => feed.subscriberCount >= before + 2);
      const measure = await addMeasure({ title: 'Padded delivery' });
      const [event] = await sub.waitFor(1, 10_000);
      expect(event).toEqual({ data: { measureAdded: { id: measure, title: 'Padded delivery' } } });
      served();

      const over = connect(server.url);
      const refused = over.subscribe('subscription { measureAdded { id } }', {
        pad: 'p'.repeat(WS_MAX_PAYLOAD + 1),
      });
      expect((await over.closed).code).toBe(1009);
      await refused.ended();
      expect(refused.events).toEqual([]);
      await stillLive();
    });
  });

  describe('batches', () => {
    const subscribe = (id: string) => ({
      id,
      type: 'subscribe',
      payload: { query: 'subscription { measureAdded { id } }' },
    });

    test('a JSON array of subscribe messages closes the socket with 4400 and subscribes nothing', async () => {
      const feed = server.app.services.measureFeed;
      const before = feed.subscriberCount;
      const socket = await rawSocket(server.url);
      socket.send(JSON.stringify({ type: 'connection_init' }));
      expect((await nextMessage(socket)).type).toBe('connection_ack');
      const closed = closeOf(socket);
      const replies: unknown[] = [];
      socket.on('message', (data) => replies.push(JSON.parse(data.toString())));
      socket.send(JSON.stringify(Array.from({ length: 50 }, (_, i) => subscribe(String(i)))));
      expect(await closed).toEqual({ code: 4400, reason: 'Invalid message received' });
      expect(replies).toEqual([]);
      expect(feed.subscriberCount).toBeLessThanOrEqual(before);
      await stillLive();
    });

    test('a JSON array as the first message (connection_init inside) closes with 4400', async () => {
      const socket = await rawSocket(server.url);
      const closed = closeOf(socket);
      socket.send(JSON.stringify([{ type: 'connection_init' }, subscribe('1')]));
      expect(await closed).toEqual({ code: 4400, reason: 'Invalid message received' });
      await stillLive();
    });
  });
});

describe('over HTTP: injection strings in nested connection arguments', () => {
  interface Named {
    name: string;
    nativeName: string | null;
    aliases: string[];
  }
  /** Whether an official's names contain `value` literally (the filter ignores case). */
  const contains = (official: Named, value: string) =>
    [official.name, official.nativeName ?? '', ...official.aliases]
      .join(' ')
      .toLowerCase()
      .includes(value.toLowerCase());
  const OFFICIAL_NODE = 'totalCount edges { node { name nativeName aliases } }';

  interface NestedCase {
    name: string;
    type: string;
    query: (v: string) => string;
    /** The argument an error must name. */
    field: string;
    /**
     * When the string may be accepted: checks the answer against the same query with null in
     * its place. Without it, every string must be refused.
     */
    accepted?: (data: any, value: string, reference: any) => void;
  }
  /** A name filter matches only officials whose names contain the string itself. */
  const nameFilter = (officialsOf: (data: any) => any[]) => (data: any, value: string) => {
    for (const connection of officialsOf(data)) {
      expect(connection.totalCount).toBe(connection.edges.length);
      for (const { node } of connection.edges) expect(contains(node, value)).toBe(true);
    }
  };
  /** Full text over January's measures: none contains these words. */
  const textFilter = (totalsOf: (data: any) => number[]) => (data: any) =>
    expect(totalsOf(data).every((n) => n === 0)).toBe(true);
  /** A cursor that decodes is only a position: the list (its totalCount) is the same. */
  const cursorOnly =
    (totalsOf: (data: any) => number[]) => (data: any, _: string, reference: any) =>
      expect(totalsOf(data)).toEqual(totalsOf(reference));

  const officialId = () => official.globalId;
  const CASES: NestedCase[] = [
    {
      name: 'Country.officials(filter.name)',
      type: 'String',
      query: (v) =>
        `country(code: "RU") { officials(filter: { name: ${v} }) { ${OFFICIAL_NODE} } }`,
      field: 'filter.name',
      accepted: nameFilter((d) => [d.country.officials]),
    },
    {
      name: 'Country.officials(filter.country)',
      type: 'String!',
      query: (v) => `country(code: "RU") { officials(filter: { country: [${v}] }) { totalCount } }`,
      field: 'filter.country[0]',
    },
    {
      name: 'Country.officials(after)',
      type: 'String',
      query: (v) => `country(code: "RU") { officials(after: ${v}) { totalCount } }`,
      field: 'after',
      accepted: cursorOnly((d) => [d.country.officials.totalCount]),
    },
    {
      name: 'Country.officials(before)',
      type: 'String',
      query: (v) => `country(code: "RU") { officials(before: ${v}, last: 2) { totalCount } }`,
      field: 'before',
      accepted: cursorOnly((d) => [d.country.officials.totalCount]),
    },
    ...(['measuresReceived', 'measuresImposed'] as const).flatMap((connection): NestedCase[] => {
      const code = connection === 'measuresReceived' ? 'RU' : 'GB';
      const totals = (d: any) => [d.country[connection].totalCount];
      return [
        {
          name: `Country.${connection}(filter.text)`,
          type: 'String',
          query: (v) =>
            `country(code: "${code}") { ${connection}(filter: { text: ${v}, announcedTo: "2024-01-31" }) { totalCount edges { node { id } } } }`,
          field: 'filter.text',
          accepted: textFilter((d) => [...totals(d), d.country[connection].edges.length]),
        },
        {
          name: `Country.${connection}(filter.imposedBy)`,
          type: 'String!',
          query: (v) =>
            `country(code: "${code}") { ${connection}(filter: { imposedBy: [${v}] }) { totalCount } }`,
          field: 'filter.imposedBy[0]',
        },
        {
          name: `Country.${connection}(filter.targetCountry)`,
          type: 'String!',
          query: (v) =>
            `country(code: "${code}") { ${connection}(filter: { targetCountry: ["JP", ${v}] }) { totalCount } }`,
          field: 'filter.targetCountry[1]',
        },
        {
          name: `Country.${connection}(filter.targetsOfficial)`,
          type: 'ID',
          query: (v) =>
            `country(code: "${code}") { ${connection}(filter: { targetsOfficial: ${v} }) { totalCount } }`,
          field: 'filter.targetsOfficial',
        },
        {
          name: `Country.${connection}(after)`,
          type: 'String',
          query: (v) => `country(code: "${code}") { ${connection}(after: ${v}) { totalCount } }`,
          field: 'after',
          accepted: cursorOnly(totals),
        },
        {
          name: `Country.${connection}(before)`,
          type: 'String',
          query: (v) =>
            `country(code: "${code}") { ${connection}(before: ${v}, last: 1) { totalCount } }`,
          field: 'before',
          accepted: cursorOnly(totals),
        },
      ];
    }),
    {
      name: 'Country.statements(after)',
      type: 'String',
      query: (v) => `country(code: "RU") { statements(after: ${v}) { totalCount } }`,
      field: 'after',
      accepted: cursorOnly((d) => [d.country.statements.totalCount]),
    },
    {
      name: 'Official.measures(after)',
      type: 'String',
      query: (v) =>
        `official(id: "${officialId()}") { measures(after: ${v}) { totalCount edges { node { id } } } }`,
      field: 'after',
      accepted: cursorOnly((d) => [d.official.measures.totalCount]),
    },
    {
      name: 'Official.measures(before)',
      type: 'String',
      query: (v) =>
        `official(id: "${officialId()}") { measures(before: ${v}, last: 1, orderBy: { field: TARGET_COUNT, direction: ASC }) { totalCount } }`,
      field: 'before',
      accepted: cursorOnly((d) => [d.official.measures.totalCount]),
    },
    {
      name: 'Official.statements(before)',
      type: 'String',
      query: (v) =>
        `official(id: "${officialId()}") { statements(before: ${v}, last: 1) { totalCount } }`,
      field: 'before',
      accepted: cursorOnly((d) => [d.official.statements.totalCount]),
    },
    {
      name: 'Measure.targets(after)',
      type: 'String',
      query: (v) => `measure(id: "${fixtureMeasureId}") { targets(after: ${v}) { totalCount } }`,
      field: 'after',
      accepted: cursorOnly((d) => [d.measure.targets.totalCount]),
    },
    {
      name: 'Measure.targets(before)',
      type: 'String',
      query: (v) =>
        `measure(id: "${fixtureMeasureId}") { targets(before: ${v}, last: 1) { totalCount } }`,
      field: 'before',
      accepted: cursorOnly((d) => [d.measure.targets.totalCount]),
    },
    {
      name: 'countries { officials(filter.name) } (one statement for many parents)',
      type: 'String',
      query: (v) =>
        `countries(first: 10, after: "${countryCursor('RN')}") { edges { node { officials(first: 20, filter: { name: ${v} }) { ${OFFICIAL_NODE} } } } }`,
      field: 'filter.name',
      accepted: nameFilter((d) => d.countries.edges.map((e: any) => e.node.officials)),
    },
    {
      name: 'countries { measuresReceived(filter.text) } (one statement for many parents)',
      type: 'String',
      query: (v) =>
        `countries(first: 50) { edges { node { measuresReceived(first: 5, filter: { text: ${v}, announcedTo: "2024-01-31" }) { totalCount } } } }`,
      field: 'filter.text',
      accepted: textFilter((d) =>
        d.countries.edges.map((e: any) => e.node.measuresReceived.totalCount),
      ),
    },
    {
      name: 'countries { measuresImposed(after) } (one statement for many parents)',
      type: 'String',
      query: (v) =>
        `countries(first: 50) { edges { node { measuresImposed(first: 5, after: ${v}) { totalCount } } } }`,
      field: 'after',
      accepted: cursorOnly((d) =>
        d.countries.edges.map((e: any) => e.node.measuresImposed.totalCount),
      ),
    },
  ];

  /** Cursors that decode, with an injection where a key or the list's name should be. */
  const CRAFTED_CURSORS = [
    cursor('measure:ANNOUNCED_ON', "2024-01-01'; DROP TABLE measure; --", 1),
    cursor('measure:ANNOUNCED_ON', '2024-01-01', '1 OR 1=1'),
    cursor('measure:ANNOUNCED_ON', '2024-01-01', 1, "'; DROP TABLE measure; --"),
    cursor("measure:ANNOUNCED_ON'; DROP TABLE measure; --", '2024-01-01', 1),
    cursor('official:NAME', "' OR '1'='1", 1),
    cursor('official:NAME', "'; DROP TABLE official; --", 2147483647),
    cursor('statement:ISSUED_ON', '2024-01-01', '1) OR (1=1'),
    cursor('target:POSITION', '1 OR 1=1'),
    cursor('country:CODE', "ZZ' OR 'a'='a"),
  ];

  test.each(CASES)('$name', async ({ type, query, field, accepted }) => {
    // The same list without the string, to compare an accepted answer with.
    const reference = accepted ? await server.gql(`{ ${query('null')} }`) : undefined;
    expect(reference?.errors).toBeUndefined();
    let refused = 0;
    for (const value of [...PAYLOADS, ...CRAFTED_IDS, ...CRAFTED_CURSORS]) {
      for (const [document, variables] of [
        [`query($v: ${type}) { ${query('$v')} }`, { v: value }],
        [`{ ${query(JSON.stringify(value))} }`, undefined],
      ] as const) {
        const started = Date.now();
        const response = await server.gql(document, variables);
        expect(Date.now() - started).toBeLessThan(4000); // no pg_sleep ran
        expectNoLeaks(response.errors ?? []);
        if (response.errors) {
          refused += 1;
          expect(response.errors.map((e) => e.extensions)).toEqual(
            response.errors.map(() => expect.objectContaining({ code: 'BAD_USER_INPUT', field })),
          );
        } else {
          if (!accepted) throw new Error(`${JSON.stringify(value)} was accepted`);
          accepted(response.data, value, reference!.data);
        }
      }
    }
    // Plain strings are never valid cursors, codes or IDs.
    if (!accepted || field === 'after' || field === 'before') expect(refused).toBeGreaterThan(0);
    await tablesIntact();
  });

  test('LIKE wildcards and backslashes in a nested name filter match only themselves', async () => {
    const names = async (name: string) => {
      const response = await server.gql(
        `query($v: String) { countries(first: 100, after: "${countryCursor('RO')}") { edges { node { code officials(first: 100, filter: { name: $v }) { edges { node { name } } } } } } }`,
        { v: name },
      );
      expect(response.errors).toBeUndefined();
      return (response.data.countries.edges as any[])
        .flatMap((e) => e.node.officials.edges as { node: { name: string } }[])
        .map((e) => e.node.name);
    };
    // Sanity: the cursor above starts right after RO, so RU is on the page.
    expect(await names('Injection')).toEqual(['Injection Target']);
    expect(await names('%')).toEqual(['Percent 100% Sure']);
    expect(await names('_')).toEqual(['Under_Score Name']);
    expect(await names('\\')).toEqual(['Back\\Slash Name']);
    expect(await names('%_%')).toEqual([]);
    expect(await names('\\S')).toEqual(['Back\\Slash Name']);
    await tablesIntact();
  });
});

describe('over HTTP: injection strings in every string field of the mutations', () => {
  const hex = (value: string) => Buffer.from(value, 'utf8').toString('hex');
  const bytesOf = async (sql: string, key: number): Promise<string[]> =>
    (await server.db.query<{ h: string }>(sql, [key])).map((row) => row.h);

  test.each(PAYLOADS)('addMeasure with %s everywhere', async (payload) => {
    const input = {
      kind: 'SANCTIONS_PACKAGE',
      title: payload,
      summary: `${payload}\n${payload}`,
      imposedBy: 'GB',
      targetCountry: 'RU',
      announcedOn: '2024-05-01',
      externalId: payload,
      sources: [
        {
          title: payload,
          publisher: payload,
          url: `https://example.org/?q=${encodeURIComponent(payload)}`,
        },
      ],
      newTargets: [
        {
          name: payload,
          nativeName: payload,
          aliases: [payload, `${payload} again`],
          position: payload,
          country: 'RU',
          category: 'OTHER',
        },
      ],
    };
    const selection =
      '{ id title summary sources { title publisher url } targets { edges { node { id name nativeName aliases position } } } }';
    const response = await server.gqlAs(
      editor,
      `mutation($input: AddMeasureInput!) { addMeasure(input: $input) ${selection} }`,
      { input },
    );
    expect(response.errors).toBeUndefined();
    const written = response.data.addMeasure;
    const expected = {
      title: payload,
      summary: `${payload}\n${payload}`,
      sources: [{ title: payload, publisher: payload, url: input.sources[0]!.url }],
      targets: {
        edges: [
          {
            node: {
              id: expect.any(String),
              name: payload,
              nativeName: payload,
              aliases: [payload, `${payload} again`],
              position: payload,
            },
          },
        ],
      },
    };
    expect(written).toEqual({ id: expect.any(String), ...expected });
    // Read back by a request of its own.
    const read = await server.gql(`query($id: ID!) { measure(id: $id) ${selection} }`, {
      id: written.id,
    });
    expect(read.errors).toBeUndefined();
    expect(read.data.measure).toEqual(written);
    // Stored byte for byte.
    const measureId = decodeIntId(written.id, 'Measure', 'id');
    expect(
      await bytesOf(
        `SELECT unnest(ARRAY[encode(convert_to(title, 'UTF8'), 'hex'), encode(convert_to(summary, 'UTF8'), 'hex'),
           encode(convert_to(external_id, 'UTF8'), 'hex')]) AS h FROM measure WHERE id = $1`,
        measureId,
      ),
    ).toEqual([hex(payload), hex(`${payload}\n${payload}`), hex(payload)]);
    expect(
      await bytesOf(
        `SELECT unnest(ARRAY[encode(convert_to(title, 'UTF8'), 'hex'), encode(convert_to(publisher, 'UTF8'), 'hex')]) AS h
         FROM source WHERE measure_id = $1`,
        measureId,
      ),
    ).toEqual([hex(payload), hex(payload)]);
    const officialId = decodeIntId(written.targets.edges[0].node.id, 'Official', 'id');
    expect(
      await bytesOf(
        `SELECT encode(convert_to(v, 'UTF8'), 'hex') AS h FROM official,
           unnest(ARRAY[name, native_name, position] || aliases) WITH ORDINALITY AS t(v, n)
         WHERE id = $1 ORDER BY n`,
        officialId,
      ),
    ).toEqual([payload, payload, payload, payload, `${payload} again`].map(hex));
    // The externalId is looked up as data: the same input again is the same measure.
    const replay = await server.gqlAs(editor, ADD_MEASURE, { input });
    expect(replay.errors).toBeUndefined();
    expect(replay.data.addMeasure.id).toBe(written.id);
    const [{ n }] = await server.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM measure WHERE external_id = $1',
      [payload],
    );
    expect(n).toBe(1);
    // The name filter finds the new official by the string, literally (no wildcard matched).
    const byName = await server.gql(
      'query($v: String) { officials(first: 100, filter: { name: $v }) { edges { node { id name nativeName aliases } } } }',
      { v: payload },
    );
    expect(byName.errors).toBeUndefined();
    const found = byName.data.officials.edges.map((e: any) => e.node);
    expect(found.map((o: any) => o.id)).toContain(written.targets.edges[0].node.id);
    for (const o of found) {
      const haystack = [o.name, o.nativeName ?? '', ...o.aliases].join(' ').toLowerCase();
      expect(haystack).toContain(payload.toLowerCase());
    }
    await tablesIntact();
  });

  test.each(PAYLOADS)('addStatement with %s everywhere', async (payload) => {
    const input = {
      issuedOn: '2024-05-02',
      country: 'RU',
      issuer: payload,
      title: payload,
      text: `${payload}\n\t${payload}`,
      quotes: [payload, `«${payload}»`],
      language: 'en',
      measureIds: [fixtureMeasureId],
      sources: [{ title: payload, publisher: payload }],
    };
    const selection =
      '{ id issuer title text quotes language country { code } measures { id } sources { title publisher url } }';
    const response = await server.gqlAs(
      editor,
      `mutation($input: AddStatementInput!) { addStatement(input: $input) ${selection} }`,
      { input },
    );
    expect(response.errors).toBeUndefined();
    const written = response.data.addStatement;
    expect(written).toEqual({
      id: expect.any(String),
      issuer: payload,
      title: payload,
      text: `${payload}\n\t${payload}`,
      quotes: [payload, `«${payload}»`],
      language: 'en',
      country: { code: 'RU' },
      measures: [{ id: fixtureMeasureId }],
      sources: [{ title: payload, publisher: payload, url: null }],
    });
    const read = await server.gql(`query($id: ID!) { statement(id: $id) ${selection} }`, {
      id: written.id,
    });
    expect(read.errors).toBeUndefined();
    expect(read.data.statement).toEqual(written);
    const statementId = decodeIntId(written.id, 'Statement', 'id');
    expect(
      await bytesOf(
        `SELECT encode(convert_to(v, 'UTF8'), 'hex') AS h FROM statement,
           unnest(ARRAY[issuer, title, text] || quotes) WITH ORDINALITY AS t(v, n)
         WHERE id = $1 ORDER BY n`,
        statementId,
      ),
    ).toEqual([payload, payload, `${payload}\n\t${payload}`, payload, `«${payload}»`].map(hex));
    expect(
      await bytesOf(
        `SELECT unnest(ARRAY[encode(convert_to(title, 'UTF8'), 'hex'), encode(convert_to(publisher, 'UTF8'), 'hex')]) AS h
         FROM source WHERE statement_id = $1`,
        statementId,
      ),
    ).toEqual([hex(payload), hex(payload)]);
    await tablesIntact();
  });

  test.each(PAYLOADS)('addOfficial with %s everywhere', async (payload) => {
    const input = {
      name: payload,
      nativeName: payload,
      aliases: [payload, `x${payload}x`],
      position: payload,
      country: 'GB',
      category: 'OTHER',
    };
    const selection = '{ id name nativeName aliases position category country { code } }';
    const response = await server.gqlAs(
      editor,
      `mutation($input: AddOfficialInput!) { addOfficial(input: $input) ${selection} }`,
      { input },
    );
    expect(response.errors).toBeUndefined();
    const written = response.data.addOfficial;
    expect(written).toEqual({
      id: expect.any(String),
      name: payload,
      nativeName: payload,
      aliases: [payload, `x${payload}x`],
      position: payload,
      category: 'OTHER',
      country: { code: 'GB' },
    });
    const read = await server.gql(`query($id: ID!) { official(id: $id) ${selection} }`, {
      id: written.id,
    });
    expect(read.errors).toBeUndefined();
    expect(read.data.official).toEqual(written);
    expect(
      await bytesOf(
        `SELECT encode(convert_to(v, 'UTF8'), 'hex') AS h FROM official,
           unnest(ARRAY[name, native_name, position] || aliases) WITH ORDINALITY AS t(v, n)
         WHERE id = $1 ORDER BY n`,
        decodeIntId(written.id, 'Official', 'id'),
      ),
    ).toEqual([payload, payload, payload, payload, `x${payload}x`].map(hex));
    // Nested: GB's officials filtered by the string find it, and only names containing it.
    const nested = await server.gql(
      'query($v: String) { country(code: "GB") { officials(first: 100, filter: { name: $v }) { edges { node { id name nativeName aliases } } } } }',
      { v: payload },
    );
    expect(nested.errors).toBeUndefined();
    const found = nested.data.country.officials.edges.map((e: any) => e.node);
    expect(found.map((o: any) => o.id)).toContain(written.id);
    for (const o of found) {
      const haystack = [o.name, o.nativeName ?? '', ...o.aliases].join(' ').toLowerCase();
      expect(haystack).toContain(payload.toLowerCase());
    }
    await tablesIntact();
  });

  test('an injection string in a country code of a write is BAD_USER_INPUT, and nothing is written', async () => {
    const before = await tableCounts();
    for (const payload of PAYLOADS) {
      const measure = await server.gqlAs(editor, ADD_MEASURE, {
        input: {
          kind: 'OTHER',
          title: 'Never written',
          imposedBy: payload,
          announcedOn: '2024-05-03',
          sources: [{ title: 'S' }],
        },
      });
      expect(measure.errors!.map((e) => e.extensions)).toEqual([
        expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.imposedBy' }),
      ]);
      const statement = await server.gqlAs(editor, ADD_STATEMENT, {
        input: {
          issuedOn: '2024-05-03',
          country: 'RU',
          issuer: 'I',
          text: 'T',
          speakerId: payload,
          sources: [{ title: 'S' }],
        },
      });
      expect(statement.errors!.map((e) => e.extensions)).toEqual([
        expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.speakerId' }),
      ]);
    }
    expect(await tableCounts()).toEqual(before);
    await tablesIntact();
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
    [
      '{ measures(filter: { kind: [ASSET_FREZE] }) { totalCount } }',
      'Value "ASSET_FREZE" does not exist in "MeasureKind" enum.',
      /ASSET_FREEZE/,
    ],
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

describe('CORS with a list of origins', () => {
  const ALLOWED = ['https://dashboard.example', 'http://localhost:5173'];
  let cors: TestServer;

  beforeAll(async () => {
    cors = await startTestServer({ nodeEnv: 'production', corsOrigins: ALLOWED });
  });

  const post = (origin: string | undefined, headers: Record<string, string> = {}) =>
    fetch(cors.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(origin ? { origin } : {}),
        ...headers,
      },
      body: JSON.stringify({ query: '{ country(code: "JP") { name } }' }),
    });

  test.each(ALLOWED)('an allowed origin (%s) is echoed, with Vary: Origin', async (origin) => {
    const response = await post(origin);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('vary') ?? '').toMatch(/origin/i);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    expect(await response.json()).toEqual({
      data: { country: { name: 'Japan' } },
      extensions: { cost: expect.any(Object) },
    });
  });

  test.each([
    'https://evil.example',
    'https://dashboard.example.evil.example',
    'https://evil.example/https://dashboard.example',
    'http://dashboard.example',
    'https://dashboard.example:8443',
    'null',
    'https://dashboard.example, https://evil.example',
    '*',
  ])('a disallowed origin (%s) gets no Access-Control-Allow-Origin', async (origin) => {
    const response = await post(origin);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary') ?? '').toMatch(/origin/i);
    await response.body?.cancel();
  });

  test('no Origin (not a browser): served, without Access-Control-Allow-Origin', async () => {
    const response = await post(undefined);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toEqual({
      data: { country: { name: 'Japan' } },
      extensions: { cost: expect.any(Object) },
    });
  });

  test('preflight from an allowed origin: 204 with the methods and headers a client needs', async () => {
    const response = await fetch(cors.url, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED[0]!,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED[0]);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/content-type/);
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    expect(response.headers.get('vary') ?? '').toMatch(/origin/i);
    expect(await response.text()).toBe('');
  });

  test('preflight from a disallowed origin: no Access-Control-Allow-Origin, nothing executed', async () => {
    const response = await fetch(`${cors.url}?query=${encodeURIComponent('{ __typename }')}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.text()).toBe('');
  });

  test('an error answer to an allowed origin still carries its CORS headers (readable by the page)', async () => {
    const response = await post(ALLOWED[1], { authorization: 'Bearer not-a-key' });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED[1]);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    await response.body?.cancel();
  });
});
