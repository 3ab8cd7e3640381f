/**
 * The read API at its edges: the founding example as the issue asks for it, ties and backward
 * pages, name search across scripts and with LIKE wildcards from fullwidth characters, ApiKey
 * nodes (visible to admins, batched), country codes in every argument, inclusive date ranges.
 */
import { Role } from '../../../src/auth/role';
import { encodeGlobalId } from '../../../src/common/global-id';
import { expectBadInput, ok } from '../../helpers/assertions';
import { insertMeasure, insertOfficial, type MeasureRow } from '../../helpers/fixtures';
import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';
import { statementsDuring } from '../../helpers/statements';

let server: TestServer;
const ms: MeasureRow[] = [];

beforeAll(async () => {
  server = await startTestServer();
  const { db } = server;
  await insertOfficial(db, { name: 'Αλέξης Τσίπρας', country: 'GR', nativeName: 'ΣΟΦΙΑ Ωμέγα' });
  await insertOfficial(db, { name: 'Ordinary Person', country: 'GR', aliases: ['Zoë Ünal'] });
  // 6 measures of NZ against AU, all the same date and target count: ties everywhere.
  for (let i = 0; i < 6; i++) {
    ms.push(
      await insertMeasure(db, {
        title: `NZ tie ${i}`,
        imposedBy: 'NZ',
        targetCountry: 'AU',
        kind: i % 2 ? 'ENTRY_BAN' : 'AID',
        announcedOn: '2021-06-01',
        targetCount: 5,
      }),
    );
  }
});
afterAll(stopAllServers);

const nz = (args: string) =>
  server.gql(`{ measures(filter: { imposedBy: ["nz"] }, ${args}) {
    totalCount edges { cursor node { id title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`);

describe('founding example', () => {
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

describe('pagination', () => {
  test('ties: ids descending under default order, and pages never repeat', async () => {
    const all = ok(await nz('first: 100')) as any;
    const ids = all.measures.edges.map((e: any) => e.node.id);
    expect(ids).toEqual([...ms].reverse().map((m) => m.globalId));
    const p1 = ok(await nz('first: 2')) as any;
    const p2 = ok(await nz(`first: 2, after: "${p1.measures.pageInfo.endCursor}"`)) as any;
    expect(p2.measures.edges.map((e: any) => e.node.id)).toEqual(ids.slice(2, 4));
  });

  test('last: 0 with before', async () => {
    const all = ok(await nz('first: 100')) as any;
    const r = ok(await nz(`last: 0, before: "${all.measures.edges[3].cursor}"`)) as any;
    expect(r.measures.edges).toEqual([]);
    expect(r.measures.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
  });

  test('backward with filter, after and before', async () => {
    const all = ok(await nz('first: 100')) as any;
    const e = all.measures.edges;
    const r = ok(await nz(`last: 2, after: "${e[0].cursor}", before: "${e[5].cursor}"`)) as any;
    expect(r.measures.edges.map((x: any) => x.node.id)).toEqual([e[3].node.id, e[4].node.id]);
    expect(r.measures.pageInfo.hasPreviousPage).toBe(true);
    expect(r.measures.totalCount).toBe(6);
  });

  test('orderBy TARGET_COUNT ASC ties by id ASC', async () => {
    const r = ok(await nz('first: 100, orderBy: { field: TARGET_COUNT, direction: ASC }')) as any;
    expect(r.measures.edges.map((x: any) => x.node.id)).toEqual(ms.map((m) => m.globalId));
  });
});

describe('filters', () => {
  test('official name search ignores case and accents (Latin, Greek)', async () => {
    for (const q of ['τσίπρας', 'σοφια', 'zoe unal', 'ZOË']) {
      const r = ok(
        await server.gql(`{ officials(filter: { name: "${q}" }) { totalCount } }`),
      ) as any;
      expect([q, r.officials.totalCount]).toEqual([q, 1]);
    }
  });

  test('official name search is case-insensitive for a word ending in Greek sigma (ΤΣΙΠΡΑΣ finds Τσίπρας)', async () => {
    for (const q of ['ΤΣΙΠΡΑΣ']) {
      const r = ok(
        await server.gql(`{ officials(filter: { name: "${q}" }) { totalCount } }`),
      ) as any;
      expect([q, r.officials.totalCount]).toEqual([q, 1]);
    }
  });
});

describe('nodes', () => {
  test('ApiKey node: null for anonymous and editor, visible to admin', async () => {
    const admin = await server.createKey(Role.ADMIN);
    const editor = await server.createKey(Role.EDITOR);
    const q = `{ node(id: "${editor.id}") { __typename id ... on ApiKey { name role } } }`;
    expect((ok(await server.gql(q)) as any).node).toBeNull();
    expect((ok(await server.gqlAs(editor.key, q)) as any).node).toBeNull();
    expect((ok(await server.gqlAs(admin.key, q)) as any).node).toMatchObject({
      __typename: 'ApiKey',
      id: editor.id,
    });
  });

  test('measure(id) with well-formed missing id is null', async () => {
    const r = ok(
      await server.gql(`{ measure(id: "${encodeGlobalId('Measure', 99999)}") { id } }`),
    ) as any;
    expect(r.measure).toBeNull();
  });

  test('nested bad page size names the field', async () => {
    expectBadInput(
      await server.gql(`{ country(code: "NZ") { measuresImposed(first: 101) { totalCount } } }`),
      'first',
    );
  });
});

describe('batching, codes, health and search escapes', () => {
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

  test('country codes are case-insensitive in every argument', async () => {
    const r = ok(
      await server.gql(`{
      a: officials(filter: { country: ["jp"] }) { totalCount }
      b: statements(country: ["ru"]) { totalCount }
      c: measures(filter: { targetCountry: ["jP"] }) { totalCount }
      d: country(code: "jp") { code measuresReceived(filter: { imposedBy: ["ru"] }) { totalCount } }
    }`),
    ) as any;
    expect(r.a.totalCount).toBeGreaterThanOrEqual(2);
    expect(r.b.totalCount).toBeGreaterThanOrEqual(1);
    expect(r.c.totalCount).toBe(4);
    expect(r.d).toEqual({ code: 'JP', measuresReceived: { totalCount: 4 } });
  });

  test('health, readiness and landing page', async () => {
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.origin}/readyz`)).status).toBe(200);
    const landing = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(landing.status).toBe(200);
    expect(await landing.text()).toMatch(/<html/i);
  });

  test('official name search treats fullwidth ％ and ＿ as characters, not LIKE wildcards', async () => {
    // No official's name contains a percent sign or an underscore of any width.
    const r = ok(
      await server.gql(`{ a: officials(filter: { name: "Fum％Kish" }) { totalCount edges { node { name } } }
        b: officials(filter: { name: "Fumio＿Kishida" }) { totalCount } }`),
    ) as any;
    expect(r.a.totalCount).toBe(0);
    expect(r.b.totalCount).toBe(0);
  });

  test('name search: German sharp s', async () => {
    await insertOfficial(server.db, { name: 'Johann Strauß', country: 'AT' });
    const r = ok(
      await server.gql('{ officials(filter: { name: "STRAUSS" }) { totalCount } }'),
    ) as any;
    expect(r.officials.totalCount).toBe(1);
  });
});

describe('inclusive date ranges', () => {
  test('a one-day range includes that day, for measures and statements', async () => {
    const r = ok(
      await server.gql(`{
        m: measures(filter: { imposedBy: ["RU"], announcedFrom: "2022-05-04", announcedTo: "2022-05-04" }) { totalCount }
        s: statements(country: ["RU"], from: "2022-05-04", to: "2022-05-04") { totalCount } }`),
    ) as any;
    expect(r).toEqual({ m: { totalCount: 1 }, s: { totalCount: 1 } });
  });
});
