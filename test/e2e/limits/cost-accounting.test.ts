import { loadConfig } from '../../../src/config';
import {
  rateLimited,
  startTestServer,
  stopAllServers,
  type TestServer,
} from '../../helpers/server';

/**
 * Fair costs: the founding query of 100 × 100 is admitted, with the default budgets, while three
 * levels of 100 are not.
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
  };
  return { status: response.status, headers: response.headers, body };
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
      const { status, body } = await post(server, query, {}, freshAddress());
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      const measures = body.data.country.measuresImposed.edges.map((edge: any) => edge.node);
      expect(measures).toHaveLength(1);
      expect(measures[0].targets.edges.map((edge: any) => edge.node.name)).toEqual([
        'Fumio Kishida',
      ]);
    }
  });

  test('three levels of 100 are refused', async () => {
    const { status, body } = await post(
      server,
      `{ measures(first: 100) { edges { node { targets(first: 100) { edges { node {
        measures(first: 100) { edges { node { id } } } } } } } } } }`,
      {},
      freshAddress(),
    );
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors![0]!.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      cost: 1_020_201,
      maxCost: 25_000,
    });
    expect(body.errors![0]!.message).toMatch(/could touch 1020201 objects; the limit is 25000/);
  });
});
