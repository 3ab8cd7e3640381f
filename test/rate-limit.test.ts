import { Role } from '../src/auth/role';
import { rateLimited, startTestServer, stopAllServers, type TestServer } from './helpers/server';
import { connect, disposeClients } from './helpers/ws';

/**
 * Budgets small enough to exhaust: each request below costs 21 (a page of 20 countries).
 * Anonymous callers share a budget per client address; each key has its own, larger one.
 */
let server: TestServer;
let editor: string;

beforeAll(async () => {
  server = await startTestServer({
    rateLimit: rateLimited(50, { windowSeconds: 2 }),
    trustProxy: ['loopback'],
  });
  ({ key: editor } = await server.createKey(Role.EDITOR));
});
afterEach(disposeClients);
afterAll(stopAllServers);

const QUERY = '{ countries { edges { node { code } } } }'; // cost 21

async function ask(headers: Record<string, string> = {}) {
  return server.gql(QUERY, {}, headers);
}

test('an anonymous client is limited, told when to retry, and recovers after the window', async () => {
  const headers = { 'x-forwarded-for': '203.0.113.10' };
  expect((await ask(headers)).errors).toBeUndefined();
  expect((await ask(headers)).errors).toBeUndefined();
  const limited = await ask(headers);
  expect(limited.status).toBe(429);
  expect(limited.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
  const retryAfter = Number(limited.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(2);
  // Another address (behind the trusted proxy) and a key have budgets of their own.
  expect((await ask({ 'x-forwarded-for': '203.0.113.11' })).errors).toBeUndefined();
  expect((await server.gqlAs(editor, QUERY)).errors).toBeUndefined();
  await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 100));
  expect((await ask(headers)).errors).toBeUndefined();
});

test('X-Forwarded-For is believed only from a trusted proxy', async () => {
  const untrusted = await startTestServer({
    rateLimit: rateLimited(50),
  });
  // Without TRUST_PROXY, every "client" below is really 127.0.0.1 and shares one budget.
  const spoofed = [];
  for (let i = 0; i < 3; i++)
    spoofed.push(await untrusted.gql(QUERY, {}, { 'x-forwarded-for': `198.51.100.${i}` }));
  expect(spoofed.map((r) => r.status)).toEqual([200, 200, 429]);
});

test('a key is charged by cost: editors get the larger budget, and it runs out too', async () => {
  const { key } = await server.createKey(Role.EDITOR, 'Busy newsroom');
  const statuses: number[] = [];
  for (let i = 0; i < 25; i++) statuses.push((await server.gqlAs(key, QUERY)).status);
  expect(statuses.filter((s) => s === 200)).toHaveLength(23); // 23 x 21 = 483 <= 500
  expect(statuses.slice(23)).toEqual([429, 429]);
});

test('subscriptions are charged at subscribe time, with the same budgets', async () => {
  const client = connect(server.url, {});
  const subs = Array.from({ length: 3 }, () =>
    client.subscribe(
      'subscription { measureAdded { imposedBy { code } targets { edges { node { name } } } } }',
    ),
  );
  // Each costs 21; whichever is charged third is over the anonymous budget of 50 for 127.0.0.1
  // (the three are charged concurrently, in no fixed order).
  await Promise.any(subs.map((sub) => sub.ended()));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const failed = subs.filter((sub) => sub.failed !== undefined);
  expect(failed).toHaveLength(1);
  expect((failed[0]!.failed as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
    'RATE_LIMITED',
  );
});

test('requests are counted before parsing: refused documents cost no points, but not unlimited tries', async () => {
  const strict = await startTestServer({
    rateLimit: {
      enabled: true,
      windowSeconds: 60,
      anonymousPoints: 1000,
      keyPoints: 1000,
      anonymousRequestsPerSecond: 5,
      keyRequestsPerSecond: 5,
    },
  });
  const statuses = [];
  for (let i = 0; i < 8; i++) statuses.push((await strict.gql(`{ nope${i} { x } }`)).status);
  expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]); // refused documents, per GraphQL over HTTP
  expect(statuses.slice(5)).toEqual([429, 429, 429]);
  const limited = await strict.gql('{ __typename }');
  expect(limited.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
  expect(limited.headers.get('retry-after')).toBe('1');
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect((await strict.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
});
