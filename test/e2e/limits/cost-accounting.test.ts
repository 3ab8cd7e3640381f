import { Role } from '../../../src/auth/role';
import { loadConfig } from '../../../src/config';
import { insertMeasure } from '../../helpers/fixtures';
import {
  rateLimited,
  startTestServer,
  stopAllServers,
  type TestServer,
} from '../../helpers/server';

/**
 * Fair costs: the founding query of 100 × 100 is admitted while three levels of 100 are not;
 * what an operation actually returned is charged after it ran (the rest of the requested cost
 * refunded, a list longer than its estimate charged in full); every response reports the cost
 * and the budget left, in `extensions.cost` and the RateLimit headers; and an anonymous client
 * can page through 10,000 measures, 100 at a time, within the default budget.
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
  test('the founding query (100 measures × 100 targets) is admitted, and charged what it returned', async () => {
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
      // What came back, counted the same way.
      const returned =
        1 +
        measures.reduce(
          (sum: number, measure: any) =>
            sum +
            1 +
            (1 + measure.targets.edges.length) +
            measure.statements.reduce(
              (inner: number, statement: any) => inner + 1 + statement.sources.length,
              0,
            ) +
            measure.sources.length,
          0,
        );
      expect(cost.actual).toBe(returned);
      expect(cost.actual).toBeLessThan(10);
      expect(cost.budget).toEqual({
        limit: 50_000,
        remaining: 50_000 - cost.actual,
        resetSeconds: expect.any(Number),
      });
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

describe('the actual cost is charged', () => {
  const PAGE = `{ measures(first: 100) { edges { node { id
    targets(first: 100) { edges { node { id name country { code } } } } } } } }`;

  beforeAll(async () => {
    const [{ count }] = await server.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM measure',
    );
    for (let i = count; i < 10; i++) {
      await insertMeasure(server.db, {
        title: `Measure ${i}`,
        imposedBy: 'GB',
        announcedOn: '2023-01-01',
      });
    }
  });

  test('with 10 measures, pages of 100 × 100 are charged what they return and the rest refunded', async () => {
    const address = freshAddress();
    const costs: Cost[] = [];
    // Six pages request 6 × 10,201 = 61,206 points, more than the minute's 50,000.
    for (let i = 0; i < 6; i++) {
      const { status, body, cost } = await post(server, PAGE, {}, address);
      expect(status).toBe(200);
      expect(body.data.measures.edges).toHaveLength(10);
      costs.push(cost);
    }
    for (const cost of costs) {
      expect(cost.requested).toBe(1 + 100 * (1 + 1 + 100));
      expect(cost.actual).toBeLessThan(cost.requested / 100);
    }
    const spent = costs.reduce((sum, cost) => sum + cost.actual, 0);
    expect(costs.reduce((sum, cost) => sum + cost.requested, 0)).toBeGreaterThan(50_000);
    expect(costs.at(-1)!.budget!.remaining).toBe(50_000 - spent);
  });

  test('a plain list longer than its estimate is charged what it held', async () => {
    const measure = await insertMeasure(server.db, {
      title: 'Cited twelve times',
      imposedBy: 'FR',
      announcedOn: '2023-02-01',
    });
    // insertMeasure adds one source; eleven more make twelve, over the estimate of 5.
    await server.db.query(
      `INSERT INTO source (measure_id, title) SELECT $1, 'Source ' || g FROM generate_series(1, 11) g`,
      [measure.id],
    );
    const address = freshAddress();
    const { body, cost } = await post(
      server,
      'query($id: ID!) { measure(id: $id) { sources { title } } }',
      { id: measure.globalId },
      address,
    );
    expect(body.data.measure.sources).toHaveLength(12);
    expect(cost).toMatchObject({ requested: 5, actual: 12 });
    expect(cost.budget!.remaining).toBe(50_000 - 12);
  });

  test('an operation that ends in errors is charged its requested cost', async () => {
    const address = freshAddress();
    const { body, cost } = await post(
      server,
      '{ measures(first: 10) { edges { node { id } } } node(id: "not an id") { id } }',
      {},
      address,
    );
    expect(body.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(cost.requested).toBe(11);
    expect(cost.actual).toBe(11);
    expect(cost.budget!.remaining).toBe(50_000 - 11);
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

  test('429: the budget left and a reset that matches Retry-After; the refused cost is not kept', async () => {
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
    expect(limited.cost).toEqual({
      requested: 21,
      actual: 0,
      budget: { limit: 30, remaining: 9, resetSeconds: retryAfter },
    });
    expect(limited.headers.get('ratelimit')).toBe(`"default";r=9;t=${retryAfter}`);
    // What fits in the 9 points left still runs: the refused 21 were given back.
    const cheap = await post(
      small,
      '{ countries(first: 3) { edges { node { code } } } }',
      {},
      address,
    );
    expect(cheap.status).toBe(200);
    expect(cheap.cost).toMatchObject({ requested: 4, actual: 4 });
    expect(cheap.cost.budget!.remaining).toBe(5);
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

describe('paging through 10,000 measures anonymously', () => {
  let big: TestServer;

  beforeAll(async () => {
    big = await startTestServer({ rateLimit: DEFAULT_BUDGETS });
    const [{ count }] = await big.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM measure',
    );
    await big.db.query(
      `WITH m AS (
         INSERT INTO measure (kind, title, imposed_by_code, target_country_code, target_count,
           announced_on, status)
         SELECT 'OTHER', 'Paged ' || g, 'GB', 'RU', 0, DATE '2023-01-01' + (g % 365), 'IN_FORCE'
         FROM generate_series(1, $1::int) AS g RETURNING id)
       INSERT INTO source (measure_id, title) SELECT id, 'Bulk fixture' FROM m`,
      [10_000 - count],
    );
  });

  test('100 pages of 100, with targets(first: 100) in each, finish without a 429', async () => {
    const query = `query($after: String) { measures(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id title announcedOn imposedBy { code } targetCountry { code }
        targets(first: 100) { edges { node { id name } } }
        sources { title url } } } } }`;
    const seen = new Set<string>();
    let after: string | null = null;
    let requested = 0;
    let actual = 0;
    let last: Cost | undefined;
    let pages = 0;
    for (;;) {
      const { status, body, cost } = await post(big, query, { after });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      for (const edge of body.data.measures.edges) seen.add(edge.node.id);
      requested += cost.requested;
      actual += cost.actual;
      last = cost;
      pages += 1;
      if (!body.data.measures.pageInfo.hasNextPage) break;
      after = body.data.measures.pageInfo.endCursor;
    }
    expect(pages).toBe(100);
    expect(seen.size).toBe(10_000);
    // Each page requests 1 + 100 × (1 + 101 + 5) = 10,701: 1,070,100 in all, 21 minutes' budget
    // at the requested cost; what was returned is about 300 a page.
    expect(requested).toBe(100 * 10_701);
    expect(actual).toBeLessThan(50_000);
    expect(last!.budget!.remaining).toBe(50_000 - actual);
  });
});
