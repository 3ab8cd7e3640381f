import { Role } from '../../../src/auth/role';
import { loadConfig } from '../../../src/config';
import { cleanUp } from '../../helpers/cleanup';
import { rateLimited, startTestServer, type TestServer } from '../../helpers/server';
import { connect, disposeClients } from '../../helpers/ws';

/**
 * Budgets small enough to exhaust: each request below costs 21 (a page of 20 countries).
 * Anonymous callers share a budget per client address; each key has its own, larger one.
 *
 * No case depends on how fast this machine is: cost budgets last a 60 s window, which a test
 * reaches the end of by moving the clock (the budgets' expiry is read from Date), and requests
 * counted per second are sent at once, not one after another.
 */
let server: TestServer;
let editor: string;
const WINDOW_SECONDS = 60;

/**
 * Runs `run` with Date moved `ms` ahead (and running on from there); nothing else is faked, so
 * timers, the database and the sockets behave as usual.
 */
async function later<T>(ms: number, run: () => Promise<T>): Promise<T> {
  jest.useFakeTimers({
    advanceTimers: true,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
    now: Date.now() + ms,
  });
  try {
    return await run();
  } finally {
    jest.useRealTimers();
  }
}

beforeAll(async () => {
  server = await startTestServer({
    rateLimit: rateLimited(50, { windowSeconds: WINDOW_SECONDS }),
    trustProxy: ['loopback'],
  });
  ({ key: editor } = await server.createKey(Role.EDITOR));
});
afterEach(disposeClients);
afterAll(cleanUp);

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
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  // Another address (behind the trusted proxy) and a key have budgets of their own.
  expect((await ask({ 'x-forwarded-for': '203.0.113.11' })).errors).toBeUndefined();
  expect((await server.gqlAs(editor, QUERY)).errors).toBeUndefined();
  // Once Retry-After has passed, the address is served again.
  const recovered = await later(retryAfter * 1000 + 100, () => ask(headers));
  expect(recovered.errors).toBeUndefined();
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
  // Sent at once, so that all of them fall in one second however slow the machine is.
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) => strict.gql(`{ nope${i} { x } }`)),
  );
  const statuses = answers.map((answer) => answer.status).sort();
  expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]); // refused documents, per GraphQL over HTTP
  expect(statuses.slice(5)).toEqual([429, 429, 429]);
  const limited = answers.find((answer) => answer.status === 429)!;
  expect(limited.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
  expect(limited.headers.get('retry-after')).toBe('1');
  // A second later (or more: waiting longer cannot make this fail) the address is admitted again.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect((await strict.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
});

describe('X-Forwarded-For from an untrusted client', () => {
  async function postAs(target: TestServer, query: string, headers: Record<string, string> = {}) {
    const started = performance.now();
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      ms: performance.now() - started,
    };
  }

  const limitedServer = (anonymousPoints: number) =>
    startTestServer({
      nodeEnv: 'production',
      rateLimit: rateLimited(anonymousPoints),
    });

  test('X-Forwarded-For from an untrusted client does not buy a new budget; 429 carries Retry-After', async () => {
    const limited = await limitedServer(50);
    const query = '{ countries { edges { node { code } } } }'; // cost 21
    const replies = [];
    for (let i = 0; i < 3; i++) {
      replies.push(await postAs(limited, query, { 'x-forwarded-for': `10.0.0.${i + 1}` }));
    }
    expect(replies.map((r) => r.status)).toEqual([200, 200, 429]);
    const error = JSON.parse(replies[2]!.text).errors[0];
    expect(error.extensions.code).toBe('RATE_LIMITED');
    expect(Number(replies[2]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(replies[2]!.headers.get('retry-after'))).toBe(error.extensions.retryAfterSeconds);
  });
});

describe('made-up keys are charged to the address', () => {
  const defaults = loadConfig({ NODE_ENV: 'test' });
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({
      rateLimit: { ...defaults.rateLimit, enabled: true, anonymousRequestsPerSecond: 3 },
    });
  });

  test('over HTTP: 401 until the address is over its rate, then 429 with Retry-After', async () => {
    const fake = `rtsn_${'0'.repeat(16)}_${'A'.repeat(43)}`;
    // Sent at once, so that all six fall in one second however slow the machine is.
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => limited.gqlAs(fake, '{ __typename }')),
    );
    let retryAfter: string | null = null;
    for (const response of responses) {
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        expect(response.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
      }
    }
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { data, errors } = await limited.gql('{ country(code: "JP") { name } }');
    expect(errors).toBeUndefined();
    expect(data).toEqual({ country: { name: 'Japan' } });
  });

  test('over WebSocket: each connection counts; past the rate the socket closes with 1013', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Opened at once, so that all four fall in one second however slow the machine is.
    const clients = Array.from({ length: 4 }, () =>
      connect(limited.url, { authorization: 'Bearer not-a-key' }),
    );
    const codes = await Promise.all(clients.map(async (client) => (await client.closed).code));
    expect(codes.sort()).toEqual([1013, 4403, 4403, 4403]);
  });
});
