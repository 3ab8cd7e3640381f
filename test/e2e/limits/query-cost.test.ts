import { getIntrospectionQuery } from 'graphql';
import { loadConfig } from '../../../src/config';
import { cleanUp } from '../../helpers/cleanup';
import { NO_RATE_LIMIT, rateLimited, startTestServer, type TestServer } from '../../helpers/server';
import { disposeClients, nextMessage, rawSocket } from '../../helpers/ws';

/**
 * Cost and expansion limits against documents that slip past the structural ones: introspection
 * copied under aliases (its lists are as real as any other), and fragments that each spread the
 * next several times (within depth, alias, token and repeat limits, they expand to millions of
 * fields).
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ nodeEnv: 'production', rateLimit: NO_RATE_LIMIT });
});
afterEach(disposeClients);
afterAll(cleanUp);

interface Reply {
  data?: { __schema: { types: unknown[] } } | { country: unknown } | Record<string, unknown>;
  errors: { message: string; extensions: Record<string, unknown> }[];
}

async function post(target: TestServer, query: string) {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as Reply };
}

/** Objects (not lists, not scalars) in a JSON value: what cost is meant to count. */
const objectsIn = (value: unknown): number =>
  value === null || typeof value !== 'object'
    ? 0
    : (Array.isArray(value) ? 0 : 1) +
      Object.values(value).reduce<number>((sum, item) => sum + objectsIn(item), 0);

/** Two levels of `fields` (graphql-js's introspection depth rule allows two), within depth 15. */
const INTROSPECTION = `types { name kind description fields(includeDeprecated: true) { name description
  args { name description type { name kind ofType { name kind ofType { name kind ofType { name } } } } }
  type { name kind ofType { name kind ofType { name kind ofType { name kind fields { name description
  args { name description type { name kind ofType { name kind ofType { name kind } } } } type { name
  kind ofType { name kind ofType { name kind } } } } } } } } } }`;

const aliasedIntrospection = (copies: number) =>
  `{ ${Array.from({ length: copies }, (_, i) => `a${i}: __schema { ${INTROSPECTION} }`).join(' ')} }`;

/** Each fragment spreads the next five times (once directly, four times in inline fragments). */
const fanOut = (root: string) =>
  `${root}\n` +
  Array.from(
    { length: 10 },
    (_, i) =>
      `fragment F${i} on Measure { inResponseTo { ...F${i + 1} ${`... on Measure { ...F${i + 1} } `.repeat(4)} } }`,
  ).join('\n') +
  `\nfragment F10 on Measure { id }`;

test("the playground's introspection query passes the limits", async () => {
  const { body } = await post(server, getIntrospectionQuery());
  expect(body.errors).toBeUndefined();
  expect((body.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(
    40,
  );
});

test('introspection copied under aliases costs what it returns: past the limit it is refused', async () => {
  const one = await post(server, aliasedIntrospection(1));
  expect(one.body.errors).toBeUndefined();
  const returned = objectsIn(one.body.data);
  expect(returned).toBeGreaterThan(500);
  // 30 copies return ~30 times as many objects as one: more than the cost limit of 25,000.
  expect(30 * returned).toBeGreaterThan(25_000);
  const thirty = await post(server, aliasedIntrospection(30));
  expect(thirty.body.data).toBeUndefined();
  expect(thirty.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  expect(thirty.body.errors[0].extensions.maxCost).toBe(25_000);
});

test('a fragment fan-out is refused by its expanded size, before its cost is worked out (HTTP)', async () => {
  const { status, body } = await post(
    server,
    fanOut('{ measures(first: 1) { edges { node { ...F0 } } } }'),
  );
  expect(status).toBe(200);
  expect(body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  expect(body.errors[0].message).toMatch(/expands to \d+ fields/);
  expect(body.errors[0].extensions.maxExpandedFields).toBe(2000);
  // 5^10 copies of the innermost fragment alone.
  expect(body.errors[0]!.extensions.expandedFields).toBeGreaterThan(5 ** 10);
  const after = await post(server, '{ country(code: "JP") { name } }');
  expect(after.body).toEqual({
    data: { country: { name: 'Japan' } },
    extensions: { cost: expect.any(Object) },
  });
});

test('a fragment fan-out over graphql-ws gets the same refusal', async () => {
  const socket = await rawSocket(server.url);
  socket.send(JSON.stringify({ type: 'connection_init' }));
  expect((await nextMessage(socket)).type).toBe('connection_ack');
  const query = fanOut('subscription { measureAdded { ...F0 } }');
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
  const reply = await nextMessage(socket);
  socket.close();
  expect(reply.type).toBe('error');
  expect(reply.payload[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  expect(reply.payload[0].message).toMatch(/expands to \d+ fields/);
});

test('introspection is charged its cost against the rate limit', async () => {
  const limited = await startTestServer({
    nodeEnv: 'production',
    rateLimit: rateLimited(2000),
  });
  const statuses: number[] = [];
  let objects = 0;
  for (let i = 0; i < 4; i++) {
    const { status, body } = await post(limited, aliasedIntrospection(1));
    statuses.push(status);
    if (body.data) objects += objectsIn(body.data);
  }
  // One copy returns ~1,000 objects: a budget of 2,000 points serves it at most twice.
  expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(2);
  expect(objects).toBeLessThanOrEqual(2000 * 1.2);
});

describe('totalCount', () => {
  let server: TestServer;

  beforeAll(async () => {
    const defaults = loadConfig({ NODE_ENV: 'test' });
    server = await startTestServer({ limits: { ...defaults.limits, maxCost: 200 } });
  });

  test('each totalCount costs a count over every matching row', async () => {
    // 3 x (1 + 50) = 153 fits the limit of 200; 4 x 51 = 204 does not.
    const three = await server.gql(
      '{ a: measures { totalCount } b: officials { totalCount } c: countries { totalCount } }',
    );
    expect(three.errors).toBeUndefined();
    const four = await server.gql(
      '{ a: measures { totalCount } b: officials { totalCount } c: countries { totalCount } d: statements { totalCount } }',
    );
    expect(four.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 204 });
    // Hidden in inline fragments it costs the same: three still fit, so the document is valid and
    // only its cost refuses four.
    const inline = (n: number) =>
      `{ ${[
        'a: measures { ... on MeasureConnection { totalCount } }',
        'b: officials { ... on OfficialConnection { totalCount } }',
        'c: countries { ... on CountryConnection { totalCount } }',
        'd: statements { ... on StatementConnection { totalCount } }',
      ]
        .slice(0, n)
        .join(' ')} }`;
    const hiddenThree = await server.gql(inline(3));
    expect(hiddenThree.errors).toBeUndefined();
    const hidden = await server.gql(inline(4));
    expect(hidden.errors).toHaveLength(1);
    expect(hidden.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 204 });
    const named = await server.gql(
      `{ a: measures { ...M } b: officials { ...O } c: countries { ...Co } d: statements { ...S } }
       fragment M on MeasureConnection { totalCount }
       fragment O on OfficialConnection { totalCount }
       fragment Co on CountryConnection { totalCount }
       fragment S on StatementConnection { totalCount }`,
    );
    expect(named.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 204 });
  });
});
