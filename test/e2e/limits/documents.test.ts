import { Role } from '../../../src/auth/role';
import { loadConfig } from '../../../src/config';
import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';
import { connect, disposeClients } from '../../helpers/ws';
import { measureInput } from '../../helpers/fixtures';

/**
 * Limits added to the hostile-input suite: document length, variables, totalCount's cost, made-up
 * keys charged to the address, introspection switched off, and the change log's append-only rule.
 */
const defaults = loadConfig({ NODE_ENV: 'test' });
let server: TestServer;
let editor: string;

beforeAll(async () => {
  server = await startTestServer({
    limits: { ...defaults.limits, maxVariableValues: 1000, maxVariableDepth: 4, maxCost: 200 },
  });
  ({ key: editor } = await server.createKey(Role.EDITOR));
});
afterEach(disposeClients);
afterAll(stopAllServers);

async function stillHealthy(target: TestServer = server): Promise<void> {
  const { data, errors } = await target.gql('{ country(code: "JP") { name } }');
  expect(errors).toBeUndefined();
  expect(data).toEqual({ country: { name: 'Japan' } });
}

describe('documents', () => {
  test('a document longer than the limit is refused before it is parsed, however few tokens', async () => {
    const query = `{ __typename } #${'x'.repeat(150_000)}`;
    const response = await server.gql(query);
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors![0]!.message).toMatch(/150016 characters long; the limit is 100000/);
    await stillHealthy();
  });

  test('fields repeated through inline fragments count together', async () => {
    const repeated = '... on CountryConnection { totalCount } '.repeat(6);
    const response = await server.gql(`{ countries { ${repeated} } }`);
    expect(response.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors![0]!.message).toMatch(/"totalCount" is selected more than 5 times/);
  });

  test('a fragment spread over and over is refused', async () => {
    const response = await server.gql(
      `{ countries { ${'...F '.repeat(6)} } } fragment F on CountryConnection { totalCount }`,
    );
    expect(response.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors![0]!.message).toMatch(/fragment "F" is selected more than 5 times/);
    await stillHealthy();
  });
});

describe('variables', () => {
  const QUERY = 'query($v: [String!]) { countries(region: "Asia") { totalCount } }';

  test.each([
    ['too many values', { v: Array.from({ length: 1001 }, () => 'x') }, /more than 1000 values/],
    ['nested too deep', { v: [[[[['x']]]]] }, /deeper than 4 levels/],
  ])('%s: QUERY_TOO_COMPLEX over HTTP', async (_, variables, message) => {
    const response = await server.gqlAs(editor, QUERY, variables);
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors![0]!.message).toMatch(message);
    await stillHealthy();
  });

  test('too many values: QUERY_TOO_COMPLEX over WebSocket, and the socket serves on', async () => {
    const client = connect(server.url);
    const refused = client.subscribe(
      'subscription($f: MeasureFilter) { measureAdded(filter: $f) { id } }',
      { f: { imposedBy: Array.from({ length: 1001 }, () => 'GB') } },
    );
    await refused.ended();
    expect(refused.failed).toEqual([
      expect.objectContaining({
        message: 'The variables hold more than 1000 values.',
        extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }),
      }),
    ]);
    const live = client.subscribe('subscription { measureAdded { id title } }');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const added = await server.gqlAs(
      editor,
      'mutation($i: AddMeasureInput!) { addMeasure(input: $i) { id } }',
      { i: measureInput({ title: 'After the refused subscription' }) },
    );
    expect(added.errors).toBeUndefined();
    const [event] = await live.waitFor(1);
    expect(event!.data.measureAdded).toEqual({
      id: added.data.addMeasure.id,
      title: 'After the refused subscription',
    });
  });
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
  // Hidden in fragments, named or inline, it costs the same.
  const hidden = await server.gql(
    `{ a: measures { ...C } b: officials { ... on OfficialConnection { totalCount } }
       c: countries { ...C } d: statements { ...C } }
     fragment C on Node { id }
     fragment D on MeasureConnection { totalCount }`.replace(
      /\.\.\.C/g,
      '... on Connection { totalCount }',
    ),
  );
  expect(hidden.errors).toBeDefined();
  const named = await server.gql(
    `{ a: measures { ...M } b: officials { ...O } c: countries { ...Co } d: statements { ...S } }
     fragment M on MeasureConnection { totalCount }
     fragment O on OfficialConnection { totalCount }
     fragment Co on CountryConnection { totalCount }
     fragment S on StatementConnection { totalCount }`,
  );
  expect(named.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 204 });
});

describe('made-up keys are charged to the address', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({
      rateLimit: { ...defaults.rateLimit, enabled: true, anonymousRequestsPerSecond: 3 },
    });
  });

  test('over HTTP: 401 until the address is over its rate, then 429 with Retry-After', async () => {
    const fake = `rtsn_${'0'.repeat(16)}_${'A'.repeat(43)}`;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const response = await limited.gqlAs(fake, '{ __typename }');
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        expect(response.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
      }
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await stillHealthy(limited);
  });

  test('over WebSocket: each connection counts; past the rate the socket closes with 1013', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const client = connect(limited.url, { authorization: 'Bearer not-a-key' });
      codes.push((await client.closed).code);
    }
    expect(codes).toEqual([4403, 4403, 4403, 1013]);
  });
});

test('INTROSPECTION=false refuses introspection (a Subscription root has none to offer), nothing else', async () => {
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
  await stillHealthy(closed);
});

test('the change log is append-only in the database: UPDATE, DELETE and TRUNCATE fail', async () => {
  for (const statement of [
    'UPDATE change_log SET entity_id = entity_id',
    'DELETE FROM change_log',
    'TRUNCATE change_log',
  ]) {
    await expect(server.db.query(statement)).rejects.toThrow(/change_log is append-only/);
  }
  const [{ count }] = await server.db.query<{ count: string }>('SELECT count(*) FROM change_log');
  expect(Number(count)).toBeGreaterThan(0);
});
