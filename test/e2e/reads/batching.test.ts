import diagnosticsChannel from 'node:diagnostics_channel';
import { Role } from '../../../src/auth/role';
import type { SqlEvent } from '../../../src/database/sql';
import { cleanUp } from '../../helpers/cleanup';
import { insertMeasure, insertOfficial } from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';
import { statementsDuring } from '../../helpers/statements';

let server: TestServer;

beforeAll(async () => {
  // The resolvers' batching is what this file checks; the read planner (one statement for the
  // queries it covers, test/e2e/reads/planner.test.ts) would answer most of these queries by itself.
  server = await startTestServer({ readPlanner: false });
  const officials = [];
  for (let i = 0; i < 12; i++) {
    officials.push(
      await insertOfficial(server.db, { name: `Target ${i}`, country: i % 2 ? 'JP' : 'KR' }),
    );
  }
  for (let i = 0; i < 60; i++) {
    await insertMeasure(server.db, {
      title: `Measure ${i}`,
      imposedBy: ['CN', 'US', 'GB', 'FR'][i % 4]!,
      announcedOn: '2024-01-01',
      targets: officials.map((o) => o.id),
    });
  }
});
afterAll(cleanUp);

/** Runs one request and returns the SQL statements the read path issued for it. */
async function statementsFor(query: string): Promise<string[]> {
  const texts: string[] = [];
  const listener = (message: unknown) => texts.push((message as SqlEvent).text);
  diagnosticsChannel.subscribe('retorsion:sql', listener);
  try {
    const { errors } = await server.gql(query);
    expect(errors).toBeUndefined();
  } finally {
    diagnosticsChannel.unsubscribe('retorsion:sql', listener);
  }
  return texts;
}

const QUERY = (n: number) => `{ measures(first: ${n}) { edges { node {
  imposedBy { name }
  targets(first: 10) { edges { node { name country { code } } } }
} } } }`;

test('the number of SQL statements depends on the query depth, not the page size', async () => {
  const five = await statementsFor(QUERY(5));
  const fifty = await statementsFor(QUERY(50));
  expect(fifty.length).toBe(five.length);
  // the measures page and the targets of all measures: countries are answered from memory
  expect(fifty.length).toBe(2);
});

test('nested connections with totalCount stay batched', async () => {
  const query = (n: number) => `{ measures(first: ${n}) { edges { node {
    imposedBy {
      measuresImposed(first: 2) { totalCount edges { node {
        targets(first: 2) { totalCount edges { node { measures(first: 1) { totalCount } statements(first: 1) { totalCount } } } }
      } } }
      officials(first: 2) { totalCount }
      statements(first: 2) { totalCount }
    }
    targets(first: 3) { edges { node { country { officials(first: 1) { totalCount } } } } }
    statements { sources { title } }
    sources { title }
    responses { id }
  } } } }`;
  const few = await statementsFor(query(2));
  const many = await statementsFor(query(50));
  expect(many.length).toBe(few.length);
});

test('a page and its totalCount are read in one statement, at the root and under parents', async () => {
  const root = await statementsFor(`{ measures(first: 3) { totalCount edges { node { id } } } }`);
  expect(root).toHaveLength(1);
  // Under 50 parents, also for parents whose page is empty: still one statement for both.
  const nested = await statementsFor(`{ measures(first: 50) { edges { node {
    targets(first: 2) { totalCount edges { node { name } } }
    responses { id }
  } } } }`);
  expect(nested).toHaveLength(3); // measures, their targets with counts, their responses
  // Without totalCount, no count is read.
  const plain = await statementsFor(`{ measures(first: 3) { edges { node { id } } } }`);
  expect(plain).toHaveLength(1);
  expect(plain[0]).not.toMatch(/count\(\*\)/);
});

test('a totalCount asked for in a fragment is read with the page too', async () => {
  const texts = await statementsFor(`{ measures(first: 3) { ...Counted } }
    fragment Counted on MeasureConnection { ... on MeasureConnection { totalCount } }`);
  expect(texts).toHaveLength(1);
  expect(texts[0]).toMatch(/count\(\*\)/);
});

test('a country that is not in memory is still looked up, once per request', async () => {
  // Reference data is read at start-up; a code seeded later (here: inserted behind the server's
  // back) is found in the database, batched, not reported missing.
  await server.db.query(
    `INSERT INTO country (code, alpha3, name, region) VALUES ('XA', 'XAA', 'Testland', 'Nowhere')`,
  );
  try {
    const texts = await statementsFor(
      `{ a: country(code: "xa") { name } b: country(code: "XA") { region } c: country(code: "ru") { name } }`,
    );
    expect(texts).toHaveLength(1);
    const { data } = await server.gql(`{ country(code: "XA") { code name region } }`);
    expect(data).toEqual({ country: { code: 'XA', name: 'Testland', region: 'Nowhere' } });
  } finally {
    await server.db.query(`DELETE FROM country WHERE code = 'XA'`);
  }
});

test('nodes(ids) of ApiKeys: statements do not grow with the number of ids', async () => {
  const admin = await server.createKey(Role.ADMIN);
  const keys: Awaited<ReturnType<TestServer['createKey']>>[] = [];
  for (let i = 0; i < 20; i++) keys.push(await server.createKey(Role.EDITOR, `k${i}`));
  const q = 'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on ApiKey { name } } }';
  // A first use of the key also records when it was last used: not part of the comparison.
  await server.gqlAs(admin.key, q, { ids: [] });
  const few = await statementsDuring(async () => {
    const r = await server.gqlAs(admin.key, q, { ids: keys.slice(0, 2).map((k) => k.id) });
    expect(r.errors).toBeUndefined();
  });
  const many = await statementsDuring(async () => {
    const r = await server.gqlAs(admin.key, q, { ids: keys.map((k) => k.id) });
    expect(r.errors).toBeUndefined();
    expect(r.data.nodes).toHaveLength(20);
  });
  expect(many.length).toBe(few.length);
});
