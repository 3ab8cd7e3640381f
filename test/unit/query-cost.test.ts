import { type GraphQLSchema, parse } from 'graphql';
import { operationCost } from '../../src/limits/query-limits';
import { buildAppSchema } from '../../src/schema';

/** The cost model's pure part: the cost an operation requests before it runs (operationCost). */
let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildAppSchema();
});

const requested = (query: string, variables: Record<string, unknown> = {}) =>
  operationCost(schema, parse(query), variables, undefined);

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
