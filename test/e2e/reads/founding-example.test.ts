import founding from '../../../seeds/founding-example.json';
import { seedDatabase } from '../../../seeds/seed';
import { Role } from '../../../src/auth/role';
import { createDataSource } from '../../../src/database/data-source';
import { migrations } from '../../../src/database/migrations';
import { entities } from '../../../src/entities';
import { createLogger } from '../../../src/logger';
import { ok } from '../../helpers/assertions';
import { cleanUp } from '../../helpers/cleanup';
import { startTestServer, type TestServer } from '../../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(cleanUp);

const README_QUERY = `{
  country(code: "ru") {
    measuresImposed(filter: {kind: [ENTRY_BAN]}) {
      totalCount
      edges { node {
        title targetCount indefinite announcedOn
        targets { edges { node { name } } }
        inResponseTo { title imposedBy { code } }
        statements { issuer quotes }
      } }
    }
  }
}`;

test('the README query answers with the founding example', async () => {
  const { data, errors } = await server.gql(README_QUERY);
  expect(errors).toBeUndefined();
  const connection = data.country.measuresImposed;
  expect(connection.totalCount).toBe(1);
  const ban = connection.edges[0].node;
  expect(ban).toMatchObject({ targetCount: 63, indefinite: true, announcedOn: '2022-05-04' });
  expect(ban.targets.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual([
    'Fumio Kishida',
  ]);
  expect(ban.inResponseTo).toEqual({
    title: "Japan's sanctions on Russian persons and firms over the invasion of Ukraine",
    imposedBy: { code: 'JP' },
  });
  expect(ban.statements).toEqual([
    {
      issuer: 'Ministry of Foreign Affairs of the Russian Federation',
      quotes: ['indefinitely', 'unprecedented anti-Russian campaign'],
    },
  ]);
});

/** Everything about a measure except its identity and timestamps, links by content. */
const MEASURE_CONTENT = `kind title summary imposedBy { code } targetCountry { code } beneficiaryCountry { code }
  targets { totalCount edges { node { name nativeName aliases country { code } position category wikidataId } } }
  targetCount announcedOn announcedOnPrecision effectiveFrom expiresOn indefinite status liftedOn
  inResponseTo { title } responses { title }
  statements { issuedOn issuedOnPrecision country { code } issuer speaker { name } title text quotes language sources { title url publisher publishedOn } }
  sources { title url publisher publishedOn }`;

test('recording the founding example through the API gives the same answers as the seed', async () => {
  const { key } = await server.createKey(Role.EDITOR, 'Founding example');
  const ids = new Map<string, string>();
  for (const [name, m] of Object.entries(founding.measures) as [string, Record<string, any>][]) {
    const input = {
      kind: m.kind,
      title: m.title,
      summary: m.summary,
      imposedBy: m.imposedBy,
      targetCountry: m.targetCountry,
      beneficiaryCountry: m.beneficiaryCountry,
      newTargets: (m.targets ?? []).map(
        (target: keyof typeof founding.officials) => founding.officials[target],
      ),
      targetCount: m.targetCount,
      announcedOn: m.announcedOn,
      announcedOnPrecision: m.announcedOnPrecision,
      indefinite: m.indefinite,
      status: m.status,
      inResponseToId: m.inResponseTo ? ids.get(m.inResponseTo) : undefined,
      sources: m.sources.map((source: keyof typeof founding.sources) => founding.sources[source]),
      externalId: `api:${m.externalId}`,
    };
    const response = await server.gqlAs(
      key,
      'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id } }',
      { input },
    );
    expect(response.errors).toBeUndefined();
    ids.set(name, response.data.addMeasure.id);
  }
  for (const s of Object.values(founding.statements) as Record<string, any>[]) {
    const input = {
      issuedOn: s.issuedOn,
      issuedOnPrecision: s.issuedOnPrecision,
      country: s.country,
      issuer: s.issuer,
      text: s.text,
      quotes: s.quotes,
      language: s.language,
      measureIds: s.measures.map((name: string) => ids.get(name)),
      sources: s.sources.map((source: keyof typeof founding.sources) => founding.sources[source]),
    };
    const response = await server.gqlAs(
      key,
      'mutation($input: AddStatementInput!) { addStatement(input: $input) { id } }',
      { input },
    );
    expect(response.errors).toBeUndefined();
  }

  const { data } = await server.gql(
    `{ measures(first: 100, filter: { announcedTo: "2022-12-31" }) { edges { node { ${MEASURE_CONTENT} } } } }`,
  );
  const byTitle = new Map<string, unknown[]>();
  for (const { node } of data.measures.edges)
    byTitle.set(node.title, [...(byTitle.get(node.title) ?? []), node]);
  expect(byTitle.size).toBe(Object.keys(founding.measures).length);
  for (const [title, [seeded, recorded, ...more]] of byTitle) {
    expect(more).toEqual([]);
    expect({ title, ...(recorded as object) }).toEqual({ title, ...(seeded as object) });
  }
  // And the README query now finds both bans, identical but for their ids.
  const readme = await server.gql(README_QUERY);
  const [a, b] = readme.data.country.measuresImposed.edges.map((e: { node: unknown }) => e.node);
  expect(readme.data.country.measuresImposed.totalCount).toBe(2);
  expect(b).toEqual(a);
});

test('seeding again writes nothing, and restores a founding record that went missing', async () => {
  const dataSource = createDataSource({ url: server.db.url, poolSize: 1, entities, migrations });
  await dataSource.initialize();
  const logger = createLogger('silent');
  try {
    expect(await seedDatabase(dataSource, logger)).toEqual({
      countries: 249,
      foundingRecordsAdded: 0,
    });
    // The statement of the seeded ban (the one with the seed's externalId; an earlier test
    // recorded a copy of the example through the API).
    const statementsOfSeededBan = () =>
      server.db.query<{ quotes: string[] }>(
        `SELECT s.quotes FROM statement s
           JOIN statement_measure sm ON sm.statement_id = s.id
           JOIN measure m ON m.id = sm.measure_id
          WHERE m.external_id = 'seed:2022-05-04:ru-entry-ban'`,
      );
    expect(await statementsOfSeededBan()).toHaveLength(1);
    await server.db.query(
      `DELETE FROM statement WHERE id IN (SELECT statement_id FROM statement_measure sm
         JOIN measure m ON m.id = sm.measure_id WHERE m.external_id = 'seed:2022-05-04:ru-entry-ban')`,
    );
    expect(await statementsOfSeededBan()).toEqual([]);
    expect(await seedDatabase(dataSource, logger)).toEqual({
      countries: 249,
      foundingRecordsAdded: 1,
    });
    expect(await statementsOfSeededBan()).toEqual([
      { quotes: ['indefinitely', 'unprecedented anti-Russian campaign'] },
    ]);
    expect(await seedDatabase(dataSource, logger)).toMatchObject({ foundingRecordsAdded: 0 });
    const [{ count }] = await server.db.query<{ count: string }>(
      'SELECT count(*) FROM measure WHERE external_id LIKE $1',
      ['seed:%'],
    );
    expect(Number(count)).toBe(Object.keys(founding.measures).length);
  } finally {
    await dataSource.destroy();
  }
});

describe('the founding example as the issue asks for it', () => {
  // A database of its own: the tests above record the founding example a second time.
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  test('issue Done query answers with the founding example', async () => {
    const res =
      await server.gql(`{ country(code: "ru") { measuresImposed(filter: {kind: [ENTRY_BAN]}) { totalCount
      edges { node { title targetCount indefinite announcedOn announcedOnPrecision expiresOn status
        targetCountry { code }
        targets { totalCount edges { node { name } } }
        inResponseTo { title imposedBy { code } }
        statements { issuer quotes issuedOn country { code } }
        sources { title url } } } } } }`);
    const data = ok(res) as any;
    const conn = data.country.measuresImposed;
    expect(conn.totalCount).toBe(1);
    const m = conn.edges[0].node;
    expect(m).toMatchObject({
      targetCount: 63,
      indefinite: true,
      announcedOn: '2022-05-04',
      announcedOnPrecision: 'DAY',
      expiresOn: null,
      targetCountry: { code: 'JP' },
      targets: { totalCount: 1, edges: [{ node: { name: 'Fumio Kishida' } }] },
      inResponseTo: { imposedBy: { code: 'JP' } },
    });
    expect(m.statements).toHaveLength(1);
    expect(m.statements[0].quotes).toEqual(
      expect.arrayContaining(['unprecedented anti-Russian campaign']),
    );
    expect(m.sources.every((s: any) => s.url === null && s.title.length > 0)).toBe(true);
  });

  test('the three officials named in the report are there', async () => {
    for (const name of ['Kishida', 'Abe', 'Putin']) {
      const data = ok(
        await server.gql(
          `{ officials(filter: { name: "${name}" }) { totalCount edges { node { name country { code } } } } }`,
        ),
      ) as any;
      expect(data.officials.totalCount).toBeGreaterThanOrEqual(1);
    }
  });
});
