import { type GraphQLSchema, parse } from 'graphql';
import { actualCost } from '../../src/limits/actual-cost';
import { costReport, rateLimitHeaders } from '../../src/limits/cost-report';
import { operationCost } from '../../src/limits/query-limits';
import { buildAppSchema } from '../../src/schema';

/**
 * The cost model's pure parts: the cost requested before execution (operationCost), the cost of
 * what came back (actualCost, the same rules applied to the result), and how both are reported.
 */
let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildAppSchema();
});

const requested = (query: string, variables: Record<string, unknown> = {}) =>
  operationCost(schema, parse(query), variables, undefined);
const returned = (query: string, data: unknown, variables: Record<string, unknown> = {}) =>
  actualCost(schema, parse(query), undefined, variables, data);

const FOUNDING = `{ country(code: "ru") { measuresImposed(filter: {kind: [ENTRY_BAN]}, first: 100) {
  edges { node { id title
    targets(first: 100) { edges { node { id name country { code } } } }
    statements { id text sources { title url } }
    sources { title url } } } } } }`;

describe('the cost requested', () => {
  test('two levels of 100 with links and plain lists are within the limit of 25,000', () => {
    // 1 + 100 × (1 + (1 + 100) + 5 × (1 + 5) + 5)
    expect(requested(FOUNDING)).toBe(13_701);
    expect(
      requested(
        '{ measures(first: 100) { edges { node { targets(first: 100) { edges { node { id } } } } } } }',
      ),
    ).toBe(10_201);
    // Two such blocks side by side still fit; a third would not.
    expect(
      requested(`{ country(code: "RU") {
        a: measuresImposed(first: 100) { edges { node { targets(first: 100) { edges { node { id } } } } } }
        b: measuresReceived(first: 100) { edges { node { targets(first: 100) { edges { node { id } } } } } } } }`),
    ).toBe(20_402);
  });

  test('three levels of 100 are over it, written or as variables', () => {
    const three =
      'query($n: Int) { measures(first: $n) { edges { node { targets(first: $n) { edges { node { measures(first: $n) { edges { node { id } } } } } } } } } }';
    expect(requested(three, { n: 100 })).toBe(1_020_201);
    expect(requested(three, { n: 10 })).toBe(1 + 10 * (1 + 1 + 10 * (1 + 1 + 10)));
  });

  test('single objects through links are free, however many; an operation costs at least 1', () => {
    const links = `{ measures(first: 100) { edges { node { imposedBy { code } targetCountry { code }
      beneficiaryCountry { code } inResponseTo { imposedBy { code } inResponseTo { title } } } }
      pageInfo { endCursor } } }`;
    expect(requested(links)).toBe(1 + 100);
    expect(requested('{ country(code: "JP") { name } }')).toBe(1);
    expect(requested('{ __typename }')).toBe(1);
    expect(requested('subscription { measureAdded { id imposedBy { code } } }')).toBe(1);
  });

  test('plain lists count 5 items, `nodes` its ids, totalCount 50 at the root and 5 nested', () => {
    expect(requested('{ measure(id: "TWVhc3VyZTox") { sources { title } } }')).toBe(5);
    expect(requested('{ measure(id: "TWVhc3VyZTox") { statements { sources { title } } } }')).toBe(
      5 * (1 + 5),
    );
    expect(requested('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ['a', 'b'] })).toBe(
      2,
    );
    expect(requested('{ measures { totalCount } }')).toBe(51);
    expect(requested('{ measures(first: 10) { edges { node { targets { totalCount } } } } }')).toBe(
      1 + 10 * (1 + 1 + 5),
    );
  });
});

describe('the cost of what came back', () => {
  const PAGE = `{ measures(first: 100) { totalCount pageInfo { hasNextPage }
    edges { node { id imposedBy { code } targets(first: 100) { edges { node { id } } } sources { title } } } } }`;

  test('counts the items returned, by the same rules', () => {
    const data = {
      measures: {
        totalCount: 2,
        pageInfo: { hasNextPage: false },
        edges: [
          {
            node: {
              id: 'a',
              imposedBy: { code: 'RU' },
              targets: { edges: [{ node: { id: 't1' } }, { node: { id: 't2' } }] },
              sources: [{ title: 's' }],
            },
          },
          { node: { id: 'b', imposedBy: { code: 'JP' }, targets: { edges: [] }, sources: [] } },
        ],
      },
    };
    // 1 + 50 (the root totalCount) + (1 + (1 + 2) + 1) + (1 + 1)
    expect(returned(PAGE, data)).toBe(58);
    expect(returned(PAGE, data)).toBeLessThan(requested(PAGE)!);
  });

  test('an empty or null result costs 1, like any operation', () => {
    expect(returned(PAGE, { measures: { totalCount: 0, pageInfo: null, edges: [] } })).toBe(51);
    expect(returned('{ measure(id: "TWVhc3VyZTox") { id } }', { measure: null })).toBe(1);
    expect(returned(PAGE, null)).toBe(1);
  });

  test('a totalCount skipped by @include, and lists under aliases, count as returned', () => {
    const query = `query($count: Boolean!) { measures(first: 5) { totalCount @include(if: $count)
      a: edges { node { id } } b: edges { cursor } } }`;
    const edges = [{ node: { id: '1' } }, { node: { id: '2' } }];
    const cursors = [{ cursor: 'x' }, { cursor: 'y' }];
    expect(returned(query, { measures: { a: edges, b: cursors } }, { count: false })).toBe(5);
    expect(
      returned(query, { measures: { totalCount: 2, a: edges, b: cursors } }, { count: true }),
    ).toBe(55);
  });

  test('objects of an interface type are read as the type that has their keys', () => {
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { id
      ... on Measure { targets(first: 10) { edges { node { id } } } }
      ... on Official { name } } }`;
    const data = {
      nodes: [
        { id: 'm', targets: { edges: [{ node: { id: 'o' } }, { node: { id: 'p' } }] } },
        { id: 'o', name: 'Fumio Kishida' },
        null,
      ],
    };
    // The measure: 1 + (1 + 2); the official: 1; null: nothing.
    expect(returned(query, data, { ids: ['m', 'o', 'x'] })).toBe(5);
  });

  test('introspection counts every object it returns', () => {
    const data = {
      __type: {
        name: 'Query',
        fields: [{ name: 'a', type: { name: null, ofType: { name: 'X' } } }],
      },
    };
    const query =
      '{ __type(name: "Query") { name fields { name type { name ofType { name } } } } }';
    // __type, one field, its type, and that type's ofType.
    expect(returned(query, data)).toBe(4);
  });
});

describe('the report', () => {
  test('RateLimit-Policy and RateLimit as draft-ietf-httpapi-ratelimit-headers writes them', () => {
    const budget = { limit: 50_000, remaining: 49_000, resetSeconds: 42, windowSeconds: 60 };
    expect(rateLimitHeaders(budget)).toEqual([
      ['ratelimit-policy', '"default";q=50000;w=60'],
      ['ratelimit', '"default";r=49000;t=42'],
    ]);
    expect(costReport(10_201, 21, budget)).toEqual({
      requested: 10_201,
      actual: 21,
      budget: { limit: 50_000, remaining: 49_000, resetSeconds: 42 },
    });
    expect(costReport(0, 0, undefined)).toEqual({ requested: 0, actual: 0, budget: null });
  });
});
