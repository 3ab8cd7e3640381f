import http from 'node:http';
import { cleanUp } from '../../helpers/cleanup';
import { insertMeasure } from '../../helpers/fixtures';
import { NO_RATE_LIMIT, startTestServer, type TestServer } from '../../helpers/server';
import {
  errorsOf,
  expectNoLeaks,
  firstReply,
  type HostileTarget,
  refusedWhenSubscribing,
  replyErrors,
  startHostileTarget,
} from '../../helpers/hostile';
import { closeOf, connect, nextMessage, rawSocket } from '../../helpers/ws';

/**
 * What anyone on the internet can send, over HTTP and over WebSocket, against a server in
 * production mode: each class gets its documented error, and the server keeps answering honest
 * queries right after.
 */
let server: TestServer;
let measureCount: number;

beforeAll(async () => {
  server = await startTestServer({
    nodeEnv: 'production',
    rateLimit: NO_RATE_LIMIT,
  });
  for (let i = 0; i < 3; i++)
    await insertMeasure(server.db, { title: `M${i}`, imposedBy: 'GB', announcedOn: '2024-01-01' });
  measureCount = (
    await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM measure')
  )[0]!.n;
});
afterAll(cleanUp);

/** An honest query answers correctly, and nothing was written or dropped. */
async function stillHealthy(): Promise<void> {
  const { data, errors } = await server.gql(
    '{ country(code: "JP") { name } measures { totalCount } }',
  );
  expect(errors).toBeUndefined();
  expect(data).toEqual({ country: { name: 'Japan' }, measures: { totalCount: measureCount } });
}

const nest = (depth: number) => `${'inResponseTo { '.repeat(depth)}id${' }'.repeat(depth)}`;
const fragments = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => `fragment F${i} on Measure { inResponseTo { ${i + 1 < n ? `...F${i + 1}` : 'id'} } }`,
  ).join('\n');

interface HostileCase {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  code: string;
  /** Message must match, when given. */
  message?: RegExp;
  /** Only over HTTP: as a subscription the document loses its outer list (see the cost test). */
  httpOnly?: true;
}

/** Documents refused by the limits, identically over both transports. */
const DOCUMENT_CASES: HostileCase[] = [
  {
    name: 'deep nesting',
    query: `{ measures { edges { node { ${nest(20)} } } } }`,
    code: 'QUERY_TOO_COMPLEX',
    message: /depth/,
  },
  {
    name: 'deep nesting hidden in fragments',
    query: `{ measures { edges { node { ...F0 } } } }\n${fragments(20)}`,
    code: 'QUERY_TOO_COMPLEX',
    message: /depth/,
  },
  {
    name: 'circular fragments',
    query: `{ measures { edges { node { ...A } } } }
      fragment A on Measure { inResponseTo { ...B } }
      fragment B on Measure { responses { ...A } }`,
    code: 'BAD_USER_INPUT',
    message: /Cannot spread fragment/,
  },
  {
    name: 'alias overloading (150 aliases)',
    query: `{ ${Array.from({ length: 150 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
    code: 'QUERY_TOO_COMPLEX',
    message: /[Aa]liases/,
  },
  {
    name: 'field duplication',
    query: `{ countries { ${'totalCount '.repeat(3000)} } }`,
    code: 'QUERY_TOO_COMPLEX',
    message: /selected more than 5 times/,
  },
  {
    name: 'directive overloading',
    query: `{ __typename ${'@include(if: true) '.repeat(60)} }`,
    code: 'QUERY_TOO_COMPLEX',
    message: /[Dd]irectives/,
  },
  {
    name: 'token flood',
    query: `query(${Array.from({ length: 3000 }, (_, i) => `$v${i}: Int`).join(', ')}) { __typename }`,
    code: 'QUERY_TOO_COMPLEX',
    message: /tokens/,
  },
  {
    name: 'nested lists of 100 (literal first)',
    query:
      '{ measures(first: 100) { edges { node { targets(first: 100) { edges { node { measures(first: 100) { edges { node { id } } } } } } } } } }',
    code: 'QUERY_TOO_COMPLEX',
    message: /could touch \d+ objects/,
    httpOnly: true,
  },
  {
    name: 'nested lists of 100 (first as a variable)',
    query:
      'query($n: Int) { measures(first: $n) { edges { node { targets(first: $n) { edges { node { measures(first: $n) { edges { node { id } } } } } } } } } }',
    variables: { n: 100 },
    code: 'QUERY_TOO_COMPLEX',
    message: /could touch \d+ objects/,
    httpOnly: true,
  },
  {
    name: 'a control character in the document',
    query: '{ country(code: "JP") { name \u0001 } }',
    code: 'BAD_USER_INPUT',
    message: /Syntax Error/,
  },
];

describe('over HTTP', () => {
  test.each(DOCUMENT_CASES)('$name → $code', async ({ query, variables, code, message }) => {
    const response = await server.gql(query, variables);
    expect(response.errors?.[0]?.extensions?.code).toBe(code);
    if (message) expect(response.errors![0]!.message).toMatch(message);
    expect(JSON.stringify(response.errors)).not.toMatch(/stacktrace| {4}at /);
    await stillHealthy();
  });

  test.each([
    ['as a literal', '{ measures(first: 1000000) { totalCount } }', undefined],
    ['as a variable', 'query($n: Int) { measures(first: $n) { totalCount } }', { n: 1_000_000 }],
  ])('huge first %s → BAD_USER_INPUT naming first', async (_, query, variables) => {
    const response = await server.gql(query, variables);
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    await stillHealthy();
  });

  test('batched arrays are refused (400)', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 50 }, () => ({ query: '{ __typename }' }))),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    await stillHealthy();
  });

  test('an oversized body, and oversized variables, are refused (413)', async () => {
    for (const body of [
      JSON.stringify({ query: `{ __typename }`, extra: 'x'.repeat(300_000) }),
      JSON.stringify({
        query: 'query($t: String) { measures(filter: { text: $t }) { totalCount } }',
        variables: { t: 'x'.repeat(300_000) },
      }),
    ]) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(413);
      await response.body?.cancel();
    }
    await stillHealthy();
  });

  test('an oversized chunked body (no Content-Length) still gets its 413 answer', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const { status, body } = await new Promise<{ status: number; body: string }>(
        (resolve, reject) => {
          const request = http.request(
            server.url,
            { method: 'POST', headers: { 'content-type': 'application/json' } },
            (response) => {
              let text = '';
              response.on('data', (chunk: Buffer) => (text += chunk.toString()));
              response.on('end', () => resolve({ status: response.statusCode!, body: text }));
              response.on('error', reject);
            },
          );
          request.on('error', reject);
          const chunk = 'x'.repeat(64 * 1024);
          let sent = 0;
          const write = () => {
            while (sent < 20) {
              sent += 1;
              if (!request.write(chunk)) return request.once('drain', write);
            }
            request.end();
          };
          request.write('{"query":"{ __typename }","pad":"');
          write();
        },
      );
      expect(status).toBe(413);
      expect(JSON.parse(body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    await stillHealthy();
  });

  test('invalid UTF-8 is refused (400), control characters in arguments are BAD_USER_INPUT', async () => {
    const invalid = Buffer.concat([
      Buffer.from('{"query":"{ country(code: \\"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\\") { name } }"}'),
    ]);
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: invalid,
    });
    expect(response.status).toBe(400);
    expect(
      ((await response.json()) as { errors: { message: string }[] }).errors[0]!.message,
    ).toMatch(/UTF-8/);
    for (const [query, field] of [
      ['query($v: String) { officials(filter: { name: $v }) { totalCount } }', 'filter.name'],
      ['query($v: String) { measures(filter: { text: $v }) { totalCount } }', 'filter.text'],
      ['query($v: String) { countries(region: $v) { totalCount } }', 'region'],
    ] as const) {
      const result = await server.gql(query, { v: 'nul\u0000here' });
      expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    await stillHealthy();
  });

  test('wrong content types are refused with a 4xx', async () => {
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
    ]) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: 'query={__typename}',
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      await response.body?.cancel();
    }
    await stillHealthy();
  });

  test('a mutation over GET is refused (405) and not executed', async () => {
    const query = encodeURIComponent(
      'mutation { addOfficial(input: { name: "x", country: "GB", category: OTHER }) { id } }',
    );
    const response = await fetch(`${server.url}?query=${query}`);
    expect(response.status).toBe(405);
    await response.body?.cancel();
    await stillHealthy();
  });

  test('probing for fields gets no suggestions in production; introspection is open (the schema is public)', async () => {
    const typo = await server.gql('{ measurs { totalCount } }');
    expect(typo.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(typo.errors![0]!.message).toBe('Cannot query field "measurs" on type "Query".');
    const argTypo = await server.gql('{ country(cod: "JP") { name } }');
    expect(JSON.stringify(argTypo.errors)).not.toMatch(/Did you mean/);
    const introspection = await server.gql('{ __schema { queryType { name } types { name } } }');
    expect(introspection.data.__schema.queryType.name).toBe('Query');
    await stillHealthy();
  });
});

describe('values the database would refuse', () => {
  const cursor = (...parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
  const id = (type: string, key: string) => Buffer.from(`${type}:${key}`).toString('base64url');
  const cases: [string, string, Record<string, unknown>][] = [
    [
      'an id beyond int4',
      'query($v: ID!) { measure(id: $v) { id } }',
      { v: id('Measure', '2147483648') },
    ],
    [
      'a node id beyond int4',
      'query($v: [ID!]!) { nodes(ids: $v) { id } }',
      { v: [id('Official', '9999999999')] },
    ],
    [
      'an int cursor key beyond int4',
      'query($v: String) { measures(after: $v, orderBy: { field: TARGET_COUNT, direction: ASC }) { totalCount } }',
      { v: cursor('measure:TARGET_COUNT', 1, 2 ** 40) },
    ],
    [
      'a date cursor key that is no date',
      'query($v: String) { measures(after: $v) { totalCount } }',
      { v: cursor('measure:ANNOUNCED_ON', '2020-13-45', 1) },
    ],
    [
      'a timestamp cursor key on 30 February',
      'query($v: String) { measures(after: $v, orderBy: { field: CREATED_AT, direction: DESC }) { totalCount } }',
      { v: cursor('measure:CREATED_AT', '2020-02-30T00:00:00.000Z', 1) },
    ],
    [
      'a text cursor key with NUL',
      'query($v: String) { countries(after: $v) { totalCount } }',
      { v: cursor('country:CODE', 'A\u0000') },
    ],
    [
      'year 0 in a Date argument',
      'query($v: Date) { measures(filter: { announcedFrom: $v }) { totalCount } }',
      { v: '0000-01-01' },
    ],
  ];
  test.each(cases)('%s is BAD_USER_INPUT', async (_, query, variables) => {
    const response = await server.gql(query, variables);
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    await stillHealthy();
  });
});

describe('over WebSocket', () => {
  async function subscribe(query: string, variables?: Record<string, unknown>): Promise<any> {
    const socket = await rawSocket(server.url);
    socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await nextMessage(socket)).type).toBe('connection_ack');
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
    const message = await nextMessage(socket);
    socket.close();
    return message;
  }

  test.each(DOCUMENT_CASES.filter((c) => !c.httpOnly))(
    '$name → $code',
    async ({ query, variables, code, message }) => {
      // The same documents, as subscriptions where they can be (the limits run before the
      // operation type is even looked at).
      const asSubscription = query.replace(
        /^(query(\([^)]*\))? )?\{ measures(\([^)]*\))? \{ edges \{ node \{/,
        (_, _head: string | undefined, variables: string | undefined) =>
          `subscription${variables ?? ''} { measureAdded { ... on Measure { ... on Measure {`,
      );
      const reply = await subscribe(asSubscription, variables);
      expect(reply.type).toBe('error');
      expect(reply.payload[0].extensions.code).toBe(code);
      if (message && code === 'QUERY_TOO_COMPLEX')
        expect(reply.payload[0].message).toMatch(message);
      await stillHealthy();
    },
  );

  test('cost multiplies by first/last given as variables in a subscription', async () => {
    const reply = await subscribe(
      'subscription($n: Int) { measureAdded { targets(first: $n) { edges { node { measures(first: $n) { edges { node { targets(first: $n) { edges { node { id } } } } } } } } } } }',
      { n: 100 },
    );
    expect(reply.payload[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX' } });
    // Within the limit: accepted, so nothing comes back until a measure is added.
    const small = await Promise.race([
      subscribe(
        'subscription($n: Int) { measureAdded { targets(first: $n) { edges { node { measures(first: $n) { totalCount } } } } } }',
        {
          n: 2,
        },
      ),
      new Promise((resolve) => setTimeout(() => resolve('accepted'), 300)),
    ]);
    expect(small).toBe('accepted');
  });

  test('invalid UTF-8 in a text frame closes the socket (1007); the server keeps serving', async () => {
    const socket = await rawSocket(server.url);
    const closed = closeOf(socket);
    socket.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });
    expect((await closed).code).toBe(1007);
    await stillHealthy();
  });
});

describe('huge first/last inside a subscription selection', () => {
  let target: HostileTarget;
  let server: TestServer;
  const stillLive = () => target.stillLive();

  beforeAll(async () => {
    target = await startHostileTarget({ livePollMs: 200 });
    ({ server } = target);
  });
  afterEach(() => target.subscriptionsEnded());

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
      const refused = await refusedWhenSubscribing(sub);
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
    const query = 'subscription($n: Int) { measureAdded { id targets(first: $n) { totalCount } } }';
    const reply = await firstReply(server, query, { n: 2 ** 31 });
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
      server,
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
    const refused = await refusedWhenSubscribing(sub);
    expect(refused).toBe(true);
    const errors = await errorsOf(sub);
    expect(errors.map((e) => e.extensions)).toEqual([
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'first' }),
    ]);
    expect(feed.subscriberCount).toBe(before);
    expectNoLeaks(errors);
    await stillLive();
  });

  test('a page size given by a variable default is checked when subscribing', async () => {
    const client = connect(server.url);
    const sub = client.subscribe(
      'subscription($n: Int = 1000) { measureAdded { targets(first: $n) { totalCount } } }',
    );
    await sub.ended();
    expect((sub.failed as { extensions: Record<string, unknown> }[])[0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
  });
});
