import { Role } from '../../../src/auth/role';
import { loadConfig } from '../../../src/config';
import {
  rateLimited,
  startTestServer,
  stopAllServers,
  type TestServer,
} from '../../helpers/server';

/**
 * Fair costs: the founding query of 100 × 100 is admitted, with the default budgets, while three
 * levels of 100 are not; every response reports the cost and the budget left, in
 * `extensions.cost` and the RateLimit headers.
 */
const defaults = loadConfig({ NODE_ENV: 'test' }).rateLimit;
/** The default budgets (50,000 points a minute per address); per-second admission wide open. */
const DEFAULT_BUDGETS = rateLimited(defaults.anonymousPoints, {
  keyPoints: defaults.keyPoints,
  windowSeconds: defaults.windowSeconds,
});

let server: TestServer;
/** Each test asks from an address of its own (TRUST_PROXY is loopback), so a budget of its own. */
let nextAddress = 1;
const freshAddress = () => ({ 'x-forwarded-for': `198.51.100.${nextAddress++}` });

beforeAll(async () => {
  server = await startTestServer({ rateLimit: DEFAULT_BUDGETS, trustProxy: ['loopback'] });
});
afterAll(stopAllServers);

interface Cost {
  requested: number;
  actual: number;
  budget: { limit: number; remaining: number; resetSeconds: number } | null;
}

async function post(
  target: TestServer,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: any;
    errors?: { message: string; extensions: Record<string, unknown> }[];
    extensions: { cost: Cost };
  };
  return { status: response.status, headers: response.headers, body, cost: body.extensions.cost };
}

const FOUNDING = `{ country(code: "ru") { measuresImposed(filter: {kind: [ENTRY_BAN]}, first: 100) {
  edges { node { id title
    targets(first: 100) { edges { node { id name country { code } } } }
    statements { id text sources { title url } }
    sources { title url } } } } } }`;

/** The founding query as Apollo Client and urql send it: `__typename` in every selection. */
const FOUNDING_WITH_TYPENAMES = `{ country(code: "ru") { __typename
  measuresImposed(filter: {kind: [ENTRY_BAN]}, first: 100) { __typename
  edges { __typename node { __typename id title
    targets(first: 100) { __typename edges { __typename node { __typename id name
      country { __typename code } } } }
    statements { __typename id text sources { __typename title url } }
    sources { __typename title url } } } } } }`;

describe('the cost model', () => {
  test('the founding query (100 measures × 100 targets) is admitted, also with __typename everywhere', async () => {
    for (const query of [FOUNDING, FOUNDING_WITH_TYPENAMES]) {
      const { status, body, cost } = await post(server, query, {}, freshAddress());
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      const measures = body.data.country.measuresImposed.edges.map((edge: any) => edge.node);
      expect(measures).toHaveLength(1);
      expect(measures[0].targets.edges.map((edge: any) => edge.node.name)).toEqual([
        'Fumio Kishida',
      ]);
      // 1 for the connection, and per measure 1 + 100 targets (with their connection) + 5
      // statements of 5 sources each + 5 sources; the country links are free.
      expect(cost.requested).toBe(1 + 100 * (1 + 101 + 5 * (1 + 5) + 5));
    }
  });

  test('three levels of 100 are refused, charging nothing', async () => {
    const address = freshAddress();
    const { status, body, cost } = await post(
      server,
      `{ measures(first: 100) { edges { node { targets(first: 100) { edges { node {
        measures(first: 100) { edges { node { id } } } } } } } } } }`,
      {},
      address,
    );
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors![0]!.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      cost: 1_020_201,
      maxCost: 25_000,
    });
    expect(body.errors![0]!.message).toMatch(/could touch 1020201 objects; the limit is 25000/);
    expect(cost).toEqual({
      requested: 1_020_201,
      actual: 0,
      budget: { limit: 50_000, remaining: 50_000, resetSeconds: expect.any(Number) },
    });
  });
});

describe('every response reports cost and budget', () => {
  const header = (value: string | null, pattern: RegExp) => {
    expect(value).toMatch(pattern);
    return value!.match(pattern)!.slice(1).map(Number);
  };

  test('RateLimit-Policy and RateLimit agree with extensions.cost, for anonymous and keyed callers', async () => {
    const address = freshAddress();
    const first = await post(server, '{ countries { edges { node { code } } } }', {}, address);
    expect(first.cost).toMatchObject({ requested: 21, actual: 21 });
    expect(first.headers.get('ratelimit-policy')).toBe('"default";q=50000;w=60');
    const [remaining, reset] = header(
      first.headers.get('ratelimit'),
      /^"default";r=(\d+);t=(\d+)$/,
    );
    expect(remaining).toBe(50_000 - 21);
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);
    expect(first.cost.budget).toEqual({ limit: 50_000, remaining, resetSeconds: reset });

    const { key } = await server.createKey(Role.EDITOR, 'Budget reader');
    const keyed = await post(
      server,
      '{ country(code: "JP") { name } }',
      {},
      {
        authorization: `Bearer ${key}`,
      },
    );
    // A single object through a link costs nothing; an operation costs at least 1.
    expect(keyed.cost).toMatchObject({ requested: 1, actual: 1 });
    expect(keyed.headers.get('ratelimit-policy')).toBe('"default";q=500000;w=60');
    expect(keyed.headers.get('ratelimit')).toMatch(/^"default";r=499999;t=\d+$/);
  });

  test('refused requests report that nothing was charged, with the budget left', async () => {
    const address = freshAddress();
    await post(server, '{ countries { edges { node { code } } } }', {}, address);
    for (const query of ['{ country(code: "JP") { name ', '{ nope }']) {
      const refused = await post(server, query, {}, address);
      expect(refused.body.errors).toHaveLength(1);
      expect(refused.cost).toEqual({
        requested: 0,
        actual: 0,
        budget: { limit: 50_000, remaining: 50_000 - 21, resetSeconds: expect.any(Number) },
      });
      expect(refused.headers.get('ratelimit')).toMatch(/^"default";r=49979;t=\d+$/);
    }
    // Refused by the document guard, before Apollo sees it.
    const repeated = await post(
      server,
      `{ countries { ${'totalCount '.repeat(6)} } }`,
      {},
      address,
    );
    expect(repeated.body.errors![0]!.extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(repeated.cost).toMatchObject({ requested: 0, actual: 0 });
    expect(repeated.cost.budget!.remaining).toBe(50_000 - 21);
    expect(repeated.headers.get('ratelimit')).toMatch(/^"default";r=49979;t=\d+$/);
    // Refused by Apollo itself, before any plugin: a batch, and variables that are not an object.
    for (const body of [
      '[{"query":"{ __typename }"}]',
      '{"query":"{ __typename }","variables":5}',
    ]) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...address },
        body,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { extensions: { cost: Cost } }).extensions.cost).toEqual({
        requested: 0,
        actual: 0,
        budget: { limit: 50_000, remaining: 50_000 - 21, resetSeconds: expect.any(Number) },
      });
      expect(response.headers.get('ratelimit')).toMatch(/^"default";r=49979;t=\d+$/);
    }
  });

  test('429: the budget left, and a reset that matches Retry-After', async () => {
    const small = await startTestServer({
      rateLimit: rateLimited(30),
      trustProxy: ['loopback'],
    });
    const address = freshAddress();
    const query = '{ countries { edges { node { code } } } }'; // 21
    expect((await post(small, query, {}, address)).status).toBe(200);
    const limited = await post(small, query, {}, address);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(limited.cost).toMatchObject({ requested: 21, actual: 0 });
    expect(limited.cost.budget).toMatchObject({ limit: 30, resetSeconds: retryAfter });
    expect(limited.headers.get('ratelimit')).toMatch(
      new RegExp(`^"default";r=\\d+;t=${retryAfter}$`),
    );
  });

  test('browsers may read the headers (CORS), and a server without rate limits says budget null', async () => {
    const preflight = await fetch(server.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
    });
    const exposed = preflight.headers.get('access-control-expose-headers')!.split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['ratelimit', 'ratelimit-policy']));
    const { headers } = await post(server, '{ __typename }', {}, freshAddress());
    expect(headers.get('access-control-expose-headers')).toContain('ratelimit-policy');

    const unlimited = await startTestServer();
    const reply = await post(unlimited, '{ countries(first: 2) { edges { node { code } } } }');
    expect(reply.cost).toEqual({ requested: 3, actual: 3, budget: null });
    expect(reply.headers.get('ratelimit')).toBeNull();
    expect(reply.headers.get('ratelimit-policy')).toBeNull();
  });
});
