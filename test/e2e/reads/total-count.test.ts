import { Role } from '../../../src/auth/role';
import { loadConfig } from '../../../src/config';
import { cleanUp } from '../../helpers/cleanup';
import {
  insertMeasure,
  insertOfficial,
  insertStatement,
  measureInput,
  type MeasureRow,
  type OfficialRow,
} from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';
import { statementsDuring } from '../../helpers/statements';
import { connect, disposeClients } from '../../helpers/ws';

/**
 * A page and its totalCount read in one statement (keyset.ts, `counted`): differential tests. The oracle for a
 * totalCount read with the page is (a) the count straight from the database and (b) the old path,
 * forced by hiding totalCount under more fragment levels than `counted` looks through, so the
 * count thunk runs. Edges and pageInfo must not depend on whether totalCount is selected.
 */

let server: TestServer;
const officials: OfficialRow[] = [];
const measures: MeasureRow[] = [];

const pad = (n: number) => String(n).padStart(2, '0');

beforeAll(async () => {
  const defaults = loadConfig({ NODE_ENV: 'test' });
  // The resolvers' path is what this file checks (keyset.ts's counted page and the count thunk):
  // with the read planner on, as by default, the planner would answer every query here with its
  // own statement and neither would run (reads/planner.test.ts compares the two paths).
  server = await startTestServer({
    readPlanner: false,
    limits: {
      ...defaults.limits,
      maxCost: 100_000_000,
      maxDepth: 200,
      maxAliases: 1000,
      maxTokens: 1_000_000,
    },
    livePollMs: 300,
  });
  const { db } = server;
  // LI: 9 officials, MC: 3, SM: 0 officials. AD, VA: nothing at all.
  for (let i = 0; i < 9; i++) {
    officials.push(
      await insertOfficial(db, {
        name: `Rc Li ${pad((i * 4) % 9)}`,
        country: 'LI',
        category: ['MINISTER', 'DIPLOMAT', 'LEGISLATOR'][i % 3],
      }),
    );
  }
  for (let i = 0; i < 3; i++) {
    officials.push(await insertOfficial(db, { name: `Rc Mc ${i}`, country: 'MC' }));
  }
  const li = officials.slice(0, 9);
  for (let i = 0; i < 14; i++) {
    measures.push(
      await insertMeasure(db, {
        title: `Rc LI to MC ${i}`,
        imposedBy: 'LI',
        targetCountry: i % 3 === 0 ? 'SM' : 'MC',
        kind: ['SANCTIONS_PACKAGE', 'ASSET_FREEZE', 'ENTRY_BAN'][i % 3],
        status: ['IN_FORCE', 'ANNOUNCED', 'LIFTED'][i % 3],
        announcedOn: `2021-01-${pad(1 + ((i * 5) % 9))}`,
        targets: i % 4 === 0 ? [] : li.slice(0, (i * 3) % 8).map((o) => o.id),
      }),
    );
  }
  for (let i = 0; i < 4; i++) {
    measures.push(
      await insertMeasure(db, {
        title: `Rc MC to LI ${i}`,
        imposedBy: 'MC',
        targetCountry: 'LI',
        announcedOn: `2021-02-0${1 + i}`,
        targets: i === 1 ? [officials[9]!.id, officials[10]!.id] : undefined,
      }),
    );
  }
  for (let i = 0; i < 11; i++) {
    await insertStatement(db, {
      country: i < 8 ? 'LI' : 'MC',
      issuedOn: `2021-05-${pad(1 + ((i * 7) % 5))}`,
      speaker: i % 3 === 0 ? undefined : li[i % 4]!.id,
    });
  }
});

afterEach(disposeClients);
afterAll(cleanUp);

// ---------------------------------------------------------------------------------------------

/**
 * The sweeps send hundreds of requests (every window of every list, under every parent): on a
 * loaded machine they take minutes, not the default 30 s.
 */
const SWEEP_TIMEOUT_MS = 180_000;

const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const EDGES = 'edges { cursor node { id } }';

/** totalCount behind more fragment levels than `counted` looks through: the count thunk runs. */
function hiddenCount(type: string): string {
  let s = 'totalCount';
  for (let i = 0; i < 13; i++) s = `... on ${type} { ${s} }`;
  return s;
}

function args(...parts: string[]): string {
  const all = parts.filter(Boolean).join(', ');
  return all ? `(${all})` : '';
}

async function gql(query: string): Promise<any> {
  const response = await server.gql(query);
  expect(response.errors).toBeUndefined();
  return response.data;
}

/** Read one connection three ways in one document and check they agree. */
async function compareRoot(field: string, type: string, fixed: string, windowArgs: string) {
  const a = args(fixed, windowArgs);
  const data = await gql(`{
    counted: ${field}${a} { totalCount ${EDGES} ${PAGE_INFO} }
    plain: ${field}${a} { ${EDGES} ${PAGE_INFO} }
    thunk: ${field}${a} { ${hiddenCount(type)} }
  }`);
  const label = `${field}${a}`;
  expect({ label, edges: data.counted.edges }).toEqual({ label, edges: data.plain.edges });
  expect({ label, info: data.counted.pageInfo }).toEqual({ label, info: data.plain.pageInfo });
  expect({ label, total: data.counted.totalCount }).toEqual({
    label,
    total: data.thunk.totalCount,
  });
  return data.counted as {
    totalCount: number;
    edges: { cursor: string; node: { id: string } }[];
    pageInfo: { startCursor: string | null; endCursor: string | null };
  };
}

/** Windows derived from a first look at the list. */
async function windowsOf(field: string, type: string, fixed: string): Promise<string[]> {
  const first = await compareRoot(field, type, fixed, 'first: 100');
  const cursors = first.edges.map((e) => e.cursor);
  const windows = ['', 'first: 0', 'first: 1', 'first: 3', 'last: 0', 'last: 2', 'last: 100'];
  if (cursors.length) {
    const lastCursor = cursors.at(-1)!;
    const mid = cursors[Math.floor(cursors.length / 2)]!;
    windows.push(
      `first: 2, after: "${cursors[0]}"`,
      `first: 5, after: "${lastCursor}"`, // past the end: empty page
      `last: 2, before: "${cursors[0]}"`, // before the start: empty page
      `last: 3, before: "${mid}"`,
      `after: "${cursors[0]}", before: "${lastCursor}"`,
      `first: 0, after: "${mid}"`,
      `last: 1, after: "${mid}", before: "${lastCursor}"`,
    );
  }
  return windows;
}

async function sweepRoot(field: string, type: string, fixed: string, dbCount?: number) {
  const windows = await windowsOf(field, type, fixed);
  for (const w of windows) {
    const page = await compareRoot(field, type, fixed, w);
    if (dbCount !== undefined)
      expect({ field, fixed, w, total: page.totalCount }).toEqual({
        field,
        fixed,
        w,
        total: dbCount,
      });
  }
}

async function dbCount(sql: string, values: unknown[] = []): Promise<number> {
  const [row] = await server.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${sql}`,
    values,
  );
  return row!.n;
}

test('the three readings take three paths: counted page, plain page, page and count thunk', async () => {
  const read = (selection: string) =>
    statementsDuring(async () => {
      await gql(`{ measures(first: 3) { ${selection} } }`);
    });
  const counted = await read(`totalCount ${EDGES}`);
  const plain = await read(EDGES);
  const thunk = await read(`${EDGES} ${hiddenCount('MeasureConnection')}`);
  // One statement reads the page with its count; without totalCount, the page alone.
  expect(counted).toEqual([expect.stringContaining('"__total"')]);
  expect(plain).toEqual([expect.not.stringMatching(/"__total"|count\(\*\)/)]);
  // Hidden deeper than `counted` looks, totalCount is read by the count thunk, apart from the page.
  expect(thunk).toEqual([
    expect.not.stringContaining('"__total"'),
    expect.stringMatching(/^SELECT count\(\*\)/),
  ]);
});

// ---------------------------------------------------------------------------------------------

test(
  'root measures: totalCount with the page equals the database count, in every window',
  async () => {
    const cases: [string, string, unknown[]][] = [
      ['', 'measure', []],
      ['filter: { imposedBy: ["LI"] }', `measure WHERE imposed_by_code = 'LI'`, []],
      [
        'filter: { imposedBy: ["LI"], kind: [ENTRY_BAN, ASSET_FREEZE] }, orderBy: { field: TARGET_COUNT, direction: ASC }',
        `measure WHERE imposed_by_code = 'LI' AND kind IN ('ENTRY_BAN', 'ASSET_FREEZE')`,
        [],
      ],
      [
        'filter: { targetCountry: ["SM", "LI"], announcedFrom: "2021-01-03" }, orderBy: { field: CREATED_AT, direction: DESC }',
        `measure WHERE target_country_code IN ('SM', 'LI') AND announced_on >= '2021-01-03'`,
        [],
      ],
      [
        `filter: { targetsOfficial: "${officials[0]?.globalId ?? ''}" }`,
        'measure m WHERE EXISTS (SELECT 1 FROM measure_target f WHERE f.measure_id = m.id AND f.official_id = $1)',
        [],
      ],
      ['filter: { imposedBy: ["AD"] }', `measure WHERE imposed_by_code = 'AD'`, []],
    ];
    for (const [fixed0, sql] of cases) {
      const fixed = fixed0.includes('targetsOfficial')
        ? `filter: { targetsOfficial: "${officials[0]!.globalId}" }`
        : fixed0;
      const n = fixed.includes('targetsOfficial')
        ? await dbCount(sql, [officials[0]!.id])
        : await dbCount(sql);
      await sweepRoot('measures', 'MeasureConnection', fixed, n);
    }
  },
  SWEEP_TIMEOUT_MS,
);

test(
  'root officials, countries and statements: totalCount with the page in every window',
  async () => {
    await sweepRoot('officials', 'OfficialConnection', '', await dbCount('official'));
    await sweepRoot(
      'officials',
      'OfficialConnection',
      'filter: { country: ["LI"], category: [MINISTER, DIPLOMAT] }',
      await dbCount(`official WHERE country_code = 'LI' AND category IN ('MINISTER', 'DIPLOMAT')`),
    );
    await sweepRoot(
      'officials',
      'OfficialConnection',
      'filter: { name: "rc li" }',
      await dbCount(`official WHERE name ILIKE '%rc li%'`),
    );
    await sweepRoot('officials', 'OfficialConnection', 'filter: { country: ["VA"] }', 0);
    await sweepRoot('countries', 'CountryConnection', '', await dbCount('country'));
    await sweepRoot(
      'countries',
      'CountryConnection',
      'region: "europe"',
      await dbCount(`country WHERE lower(region) = 'europe'`),
    );
    await sweepRoot('countries', 'CountryConnection', 'region: "Atlantis"', 0);
    await sweepRoot('statements', 'StatementConnection', '', await dbCount('statement'));
    await sweepRoot(
      'statements',
      'StatementConnection',
      'country: ["LI", "MC"], from: "2021-05-02", to: "2021-05-04"',
      await dbCount(
        `statement WHERE country_code IN ('LI', 'MC') AND issued_on BETWEEN '2021-05-02' AND '2021-05-04'`,
      ),
    );
  },
  SWEEP_TIMEOUT_MS,
);

// ---------------------------------------------------------------------------------------------
// Nested connections under many parents, some with no children.

type Conn = { totalCount?: number; edges: unknown[]; pageInfo: unknown };

/** Per parent: counted vs plain vs thunk for one nested connection; returns counted per parent. */
async function compareNested(
  rootField: string,
  rootArgs: string,
  parentKey: string,
  field: string,
  type: string,
  fieldArgs: string,
): Promise<Map<string, Conn>> {
  const a = fieldArgs ? `(${fieldArgs})` : '';
  const data = await gql(`{ ${rootField}(${rootArgs}) { edges { node { ${parentKey}
    counted: ${field}${a} { totalCount ${EDGES} ${PAGE_INFO} }
    plain: ${field}${a} { ${EDGES} ${PAGE_INFO} }
    thunk: ${field}${a} { ${hiddenCount(type)} }
  } } } }`);
  const result = new Map<string, Conn>();
  for (const { node } of data[rootField].edges) {
    const label = `${node[parentKey]} ${field}${a}`;
    expect({ label, edges: node.counted.edges }).toEqual({ label, edges: node.plain.edges });
    expect({ label, info: node.counted.pageInfo }).toEqual({ label, info: node.plain.pageInfo });
    expect({ label, total: node.counted.totalCount }).toEqual({
      label,
      total: node.thunk.totalCount,
    });
    result.set(String(node[parentKey]), node.counted);
  }
  return result;
}

async function cursorsOf(query: string, path: string[]): Promise<string[]> {
  let data = await gql(query);
  for (const key of path) data = data[key];
  return (data.edges as { cursor: string }[]).map((e) => e.cursor);
}

test(
  'Country.officials / measuresImposed / measuresReceived / statements under all countries',
  async () => {
    const liOfficials = await cursorsOf(
      `{ country(code: "LI") { officials(first: 100) { ${EDGES} } } }`,
      ['country', 'officials'],
    );
    const liImposed = await cursorsOf(
      `{ country(code: "LI") { measuresImposed(first: 100) { ${EDGES} } } }`,
      ['country', 'measuresImposed'],
    );
    const liStatements = await cursorsOf(
      `{ country(code: "LI") { statements(first: 100) { ${EDGES} } } }`,
      ['country', 'statements'],
    );
    const lists: [string, string, string[]][] = [
      [
        'officials',
        'OfficialConnection',
        [
          '',
          'first: 2',
          'first: 0',
          'last: 2',
          'filter: { category: [MINISTER] }',
          `first: 2, after: "${liOfficials[2]}"`,
          `last: 2, before: "${liOfficials[3]}"`,
          `after: "${liOfficials.at(-1)}"`,
          'filter: { name: "rc" }, first: 1',
        ],
      ],
      [
        'measuresImposed',
        'MeasureConnection',
        [
          '',
          'first: 3',
          'first: 0',
          'last: 1',
          'filter: { kind: [ENTRY_BAN] }, orderBy: { field: TARGET_COUNT, direction: DESC }',
          `first: 2, after: "${liImposed[4]}"`,
          `last: 3, before: "${liImposed[5]}"`,
          `after: "${liImposed.at(-1)}"`,
          'filter: { targetCountry: ["SM"] }, first: 1',
        ],
      ],
      [
        'measuresReceived',
        'MeasureConnection',
        [
          '',
          'first: 2',
          'first: 0',
          'last: 2',
          'filter: { status: [LIFTED] }',
          `first: 1, after: "${liImposed[1]}"`,
          'orderBy: { field: CREATED_AT, direction: ASC }, first: 3',
        ],
      ],
      [
        'statements',
        'StatementConnection',
        [
          '',
          'first: 2',
          'first: 0',
          'last: 3',
          `first: 2, after: "${liStatements[1]}"`,
          `last: 2, before: "${liStatements[4]}"`,
          `after: "${liStatements.at(-1)}"`,
        ],
      ],
    ];
    // Two batches of parents: a region (LI, MC, SM, AD, VA and seeded ones) and all countries.
    for (const rootArgs of [
      'region: "Europe", first: 100',
      'first: 100',
      'first: 100, after: "' +
        Buffer.from(JSON.stringify(['country:CODE', 'KZ'])).toString('base64url') +
        '"',
    ]) {
      for (const [field, type, windows] of lists) {
        for (const w of windows) {
          const perParent = await compareNested('countries', rootArgs, 'code', field, type, w);
          if (w === '') {
            const sqlOf: Record<string, string> = {
              officials: 'official WHERE country_code = $1',
              measuresImposed: 'measure WHERE imposed_by_code = $1',
              measuresReceived: 'measure WHERE target_country_code = $1',
              statements: 'statement WHERE country_code = $1',
            };
            for (const code of ['LI', 'MC', 'SM', 'AD', 'VA', 'RU', 'GB']) {
              const conn = perParent.get(code);
              if (!conn) continue;
              expect({ code, field, total: conn.totalCount }).toEqual({
                code,
                field,
                total: await dbCount(sqlOf[field]!, [code]),
              });
            }
          }
        }
      }
    }
  },
  SWEEP_TIMEOUT_MS,
);

test(
  'Official.measures / Official.statements and Measure.targets under many parents',
  async () => {
    const hubMeasures = await cursorsOf(
      `{ node(id: "${officials[0]!.globalId}") { ... on Official { measures(first: 100) { ${EDGES} } } } }`,
      ['node', 'measures'],
    );
    const hubStatements = await cursorsOf(
      `{ node(id: "${officials[1]!.globalId}") { ... on Official { statements(first: 100) { ${EDGES} } } } }`,
      ['node', 'statements'],
    );
    const bigMeasure = measures.reduce((a, b) => (b.targetCount > a.targetCount ? b : a));
    const targets = await cursorsOf(
      `{ node(id: "${bigMeasure.globalId}") { ... on Measure { targets(first: 100) { ${EDGES} } } } }`,
      ['node', 'targets'],
    );
    for (const rootArgs of ['first: 100', 'first: 100, filter: { country: ["LI", "MC", "VA"] }']) {
      for (const w of [
        '',
        'first: 1',
        'first: 0',
        'last: 2',
        'orderBy: { field: TARGET_COUNT, direction: ASC }, first: 2',
        `first: 2, after: "${hubMeasures[1]}"`,
        `last: 1, before: "${hubMeasures[2]}"`,
        `after: "${hubMeasures.at(-1)}"`,
      ]) {
        await compareNested('officials', rootArgs, 'id', 'measures', 'MeasureConnection', w);
      }
      for (const w of [
        '',
        'first: 1',
        'first: 0',
        'last: 2',
        `first: 1, after: "${hubStatements[0]}"`,
        `last: 1, before: "${hubStatements.at(-1)}"`,
      ]) {
        await compareNested('officials', rootArgs, 'id', 'statements', 'StatementConnection', w);
      }
    }
    const mine = await compareNested(
      'officials',
      'first: 100, filter: { name: "rc " }',
      'id',
      'measures',
      'MeasureConnection',
      '',
    );
    for (const o of officials) {
      expect({ o: o.name, total: mine.get(o.globalId)?.totalCount }).toEqual({
        o: o.name,
        total: await dbCount('measure_target WHERE official_id = $1', [o.id]),
      });
    }
    for (const rootArgs of [
      'first: 100',
      'first: 100, filter: { imposedBy: ["LI", "MC"] }',
      'last: 100',
    ]) {
      for (const w of [
        '',
        'first: 1',
        'first: 0',
        'last: 2',
        `first: 2, after: "${targets[1]}"`,
        `last: 2, before: "${targets[3]}"`,
        `after: "${targets.at(-1)}"`,
      ]) {
        const per = await compareNested(
          'measures',
          rootArgs,
          'id',
          'targets',
          'OfficialConnection',
          w,
        );
        if (w === '') {
          for (const m of measures) {
            const conn = per.get(m.globalId);
            if (!conn) continue;
            expect({ m: m.title, total: conn.totalCount }).toEqual({
              m: m.title,
              total: await dbCount('measure_target WHERE measure_id = $1', [m.id]),
            });
          }
        }
      }
    }
  },
  SWEEP_TIMEOUT_MS,
);

// ---------------------------------------------------------------------------------------------
// Selections: aliases, fragments, directives.

test('the same connection twice, totalCount in only one alias, and in fragments / under directives', async () => {
  const total = await dbCount(`measure WHERE imposed_by_code = 'LI'`);
  const data = await gql(`query($yes: Boolean = true, $no: Boolean = false) {
    a: measures(filter: { imposedBy: ["LI"] }, first: 2) { ${EDGES} }
    b: measures(filter: { imposedBy: ["LI"] }, first: 2) { totalCount ${EDGES} }
    c: measures(filter: { imposedBy: ["LI"] }, first: 2) { ...F }
    d: measures(filter: { imposedBy: ["LI"] }, first: 2) { totalCount @include(if: $yes) ${EDGES} }
    e: measures(filter: { imposedBy: ["LI"] }, first: 2) { totalCount @skip(if: $no) }
    f: measures(filter: { imposedBy: ["LI"] }, first: 2) { totalCount @skip(if: $yes) ${EDGES} }
    g: measures(filter: { imposedBy: ["LI"] }, first: 0) { ... on MeasureConnection { n: totalCount } }
    country(code: "LI") {
      x: measuresImposed(first: 2) { ${EDGES} }
      y: measuresImposed(first: 2) { totalCount ${EDGES} }
      z: measuresImposed(first: 2) { ...F }
      w: measuresImposed(first: 2) { totalCount @include(if: $yes) }
    }
  }
  fragment F on MeasureConnection { ...G }
  fragment G on MeasureConnection { ... on MeasureConnection { totalCount } edges { node { id } } }`);
  expect(data.a.edges).toEqual(data.b.edges);
  expect(data.b.totalCount).toBe(total);
  expect(data.c.totalCount).toBe(total);
  expect(data.d.totalCount).toBe(total);
  expect(data.e.totalCount).toBe(total);
  expect(data.f.totalCount).toBeUndefined();
  expect(data.g.n).toBe(total);
  expect(data.country.x.edges).toEqual(data.country.y.edges);
  expect(data.country.y.totalCount).toBe(total);
  expect(data.country.z.totalCount).toBe(total);
  expect(data.country.w.totalCount).toBe(total);
});

test('edges hold no placeholder rows and nodes are complete with totalCount selected', async () => {
  const data = await gql(`{
    countries(region: "Europe", first: 100) { totalCount edges { node { code
      officials(first: 3) { totalCount edges { cursor node { id name category country { code } } } }
      statements(first: 0) { totalCount edges { node { id } } pageInfo { hasNextPage } }
      measuresImposed(first: 2) { totalCount edges { node { id title imposedBy { code } targets { totalCount edges { node { id name } } } } } }
    } } }
    measures(filter: { imposedBy: ["AD"] }) { totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
  }`);
  expect(data.measures).toEqual({
    totalCount: 0,
    edges: [],
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
  });
  for (const { node } of data.countries.edges) {
    for (const e of node.officials.edges) {
      expect(e.node.id).toBeTruthy();
      expect(e.node.name).toBeTruthy();
      expect(e.node.country.code).toBe(node.code);
    }
    expect(node.officials.edges.length).toBe(Math.min(3, node.officials.totalCount));
    expect(node.statements.edges).toEqual([]);
    expect(node.statements.pageInfo.hasNextPage).toBe(node.statements.totalCount > 0);
    expect(node.measuresImposed.edges.length).toBe(Math.min(2, node.measuresImposed.totalCount));
    for (const e of node.measuresImposed.edges) {
      expect(e.node.imposedBy.code).toBe(node.code);
      expect(e.node.targets.edges.length).toBe(Math.min(20, e.node.targets.totalCount));
    }
  }
});

test('a country inserted after start-up: listed, counted, linked', async () => {
  await server.db.query(
    `INSERT INTO country (code, alpha3, name, region) VALUES ('XQ', 'XQQ', 'Reviewland', 'Reviewregion')`,
  );
  const o = await insertOfficial(server.db, { name: 'Rc Xq', country: 'XQ' });
  try {
    const data = await gql(`{
      countries(region: "reviewregion") { totalCount edges { node { code name
        officials { totalCount edges { node { id country { code name } } } } } } }
      country(code: "XQ") { code name officials(first: 0) { totalCount } }
      node(id: "${o.globalId}") { ... on Official { country { code name region } } }
    }`);
    expect(data.countries.totalCount).toBe(1);
    expect(data.countries.edges[0].node.officials.totalCount).toBe(1);
    expect(data.countries.edges[0].node.officials.edges[0].node.country).toEqual({
      code: 'XQ',
      name: 'Reviewland',
    });
    expect(data.country.officials.totalCount).toBe(1);
    expect(data.node.country).toEqual({ code: 'XQ', name: 'Reviewland', region: 'Reviewregion' });
  } finally {
    await server.db.query(`DELETE FROM official WHERE id = $1`, [o.id]);
    await server.db.query(`DELETE FROM country WHERE code = 'XQ'`);
  }
});

test('filters with repeated parameters (text search, name patterns) count as the thunk does', async () => {
  for (const fixed of [
    'filter: { text: "cheese -alpine" }',
    'filter: { text: "rc", imposedBy: ["LI"], announcedTo: "2021-01-05" }',
    'filter: { kind: [ENTRY_BAN], status: [LIFTED, IN_FORCE], announcedFrom: "2021-01-02", announcedTo: "2021-01-08" }',
  ]) {
    await sweepRoot('measures', 'MeasureConnection', fixed);
  }
  for (const fixed of [
    'filter: { name: "%" }',
    'filter: { name: "_c l" }',
    'filter: { name: "rc\\\\" }',
    'filter: { name: "RÇ LI", category: [DIPLOMAT] }',
  ]) {
    await sweepRoot('officials', 'OfficialConnection', fixed);
  }
});

test('live feed: subscribers in one batch, with and without nested totalCount', async () => {
  const { key } = await server.createKey(Role.EDITOR);
  const client = connect(server.url);
  const withCount =
    client.subscribe(`subscription { measureAdded(filter: { imposedBy: ["VA"] }) { id
    imposedBy { code name measuresImposed(first: 1) { totalCount edges { node { id } } } }
    targets(first: 1) { totalCount edges { node { name country { code } } } } } }`);
  const without = client.subscribe(`subscription { measureAdded(filter: { imposedBy: ["VA"] }) { id
    imposedBy { code measuresImposed(first: 1) { edges { node { id } } } }
    targets(first: 1) { edges { node { name } } } } }`);
  await new Promise((resolve) => setTimeout(resolve, 400));
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const response = await server.gqlAs(
      key,
      'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id } }',
      {
        input: measureInput({
          title: `Rc live ${i}`,
          imposedBy: 'VA',
          newTargets: [
            { name: `Rc live target ${i}a`, country: 'LI', category: 'OTHER' },
            { name: `Rc live target ${i}b`, country: 'LI', category: 'OTHER' },
          ],
        }),
      },
    );
    expect(response.errors).toBeUndefined();
    ids.push(response.data.addMeasure.id);
  }
  const a = await withCount.waitFor(2, 10000);
  const b = await without.waitFor(2, 10000);
  for (const [i, event] of a.entries()) {
    const m = event.data.measureAdded;
    expect(m.targets.totalCount).toBe(2);
    expect(m.targets.edges).toHaveLength(1);
    expect(m.targets.edges[0].node.country.code).toBe('LI');
    expect(m.imposedBy.name).toBeTruthy();
    expect(m.imposedBy.measuresImposed.totalCount).toBeGreaterThanOrEqual(i + 1);
    expect(m.imposedBy.measuresImposed.edges).toHaveLength(1);
    expect(b[i]!.data.measureAdded.targets.edges).toEqual([
      { node: { name: m.targets.edges[0].node.name } },
    ]);
  }
});
