import { expectBadInput, ok } from '../../helpers/assertions';
import countries from '../../../seeds/countries.json';
import { Role } from '../../../src/auth/role';
import { decodeIntId, encodeGlobalId } from '../../../src/common/global-id';
import { cleanUp } from '../../helpers/cleanup';
import {
  byAnnouncedDesc,
  insertMeasure,
  insertOfficial,
  insertStatement,
  type MeasureRow,
  type OfficialRow,
} from '../../helpers/fixtures';
import { type GraphQLResponse, startTestServer, type TestServer } from '../../helpers/server';

/*
 * Cursor paging of every connection of the read API, both ways, on fixtures built so that orders
 * have ties (broken by id), ids are out of list order, and pages fall both exactly and not
 * exactly on the end of a list. Countries used: LI, MC and SM (nothing is seeded for them).
 */

let server: TestServer;

interface StatementRow {
  id: number;
  globalId: string;
  issuedOn: string;
  country: string;
  speaker: number | null;
}

/** 14 officials of Liechtenstein, inserted out of name order, two of them with the same name. */
const liOfficials: OfficialRow[] = [];
/** The LI official named by many measures and speaking in many statements. */
let hub: OfficialRow;
/** Measure with 12 named targets, recorded in an order that is neither id nor name order. */
let manyTargets: MeasureRow;
let manyTargetsOrder: OfficialRow[] = [];
const liToMc: MeasureRow[] = [];
const liToSm: MeasureRow[] = [];
const smToMc: MeasureRow[] = [];
const mcToLi: MeasureRow[] = [];
/** Ids of the measures that name `hub`. */
const hubMeasureIds = new Set<number>();
const statements: StatementRow[] = [];
/** Orders read straight from the database, for root lists that include seeded rows. */
const oracle = { officials: [] as string[], statements: [] as string[] };

const KINDS = ['SANCTIONS_PACKAGE', 'ASSET_FREEZE', 'ENTRY_BAN'];
const STATUSES = ['IN_FORCE', 'ANNOUNCED', 'LIFTED', 'EXPIRED'];

const pad = (n: number) => String(n).padStart(2, '0');
const at = (second: number, minute = 0) =>
  new Date(Date.UTC(2024, 5, 1, 0, minute, second)).toISOString();

beforeAll(async () => {
  server = await startTestServer();
  const { db } = server;

  for (let k = 0; k < 12; k++) {
    const i = (k * 5) % 12; // names inserted out of order: 00, 05, 10, 03, 08, ...
    liOfficials.push(
      await insertOfficial(db, {
        name: `Li Pager ${pad(i)}`,
        country: 'LI',
        category: ['MINISTER', 'LEGISLATOR', 'DIPLOMAT'][k % 3],
      }),
    );
  }
  // Same name as liOfficials[1]: the tie is broken by id.
  liOfficials.push(await insertOfficial(db, { name: 'Li Pager 05', country: 'LI' }));
  // Not ASCII, with quotes: its cursor carries them (sorts after the digits in any collation).
  liOfficials.push(await insertOfficial(db, { name: 'Li Pager Ø\'Ä "x"', country: 'LI' }));
  hub = liOfficials[0]!;

  // LI -> MC: dates with ties and out of id order; kinds, statuses, counts, creation times vary.
  const days = [5, 1, 5, 3, 9, 1, 7, 3, 9, 7, 2, 2];
  manyTargetsOrder = [3, 0, 11, 7, 1, 9, 5, 10, 2, 8, 4, 6].map((i) => liOfficials[i]!);
  for (let i = 0; i < 12; i++) {
    const targets =
      i === 0 ? manyTargetsOrder.map((o) => o.id) : i % 4 !== 1 ? [hub.id] : undefined;
    const measure = await insertMeasure(db, {
      title: `LI to MC ${i}`,
      summary: i === 3 || i === 8 ? 'An embargo on alpine cheese' : undefined,
      imposedBy: 'LI',
      targetCountry: 'MC',
      kind: KINDS[i % 3],
      status: STATUSES[i % 4],
      announcedOn: `2021-01-${pad(days[i]!)}`,
      targetCount: (i * 5) % 7,
      targets,
      createdAt: at((i * 7) % 12),
    });
    liToMc.push(measure);
    if (targets?.includes(hub.id)) hubMeasureIds.add(measure.id);
  }
  manyTargets = liToMc[0]!;
  for (let i = 0; i < 3; i++) {
    liToSm.push(
      await insertMeasure(db, {
        title: `LI to SM ${i}`,
        imposedBy: 'LI',
        targetCountry: 'SM',
        kind: ['ENTRY_BAN', 'ASSET_FREEZE', 'ENTRY_BAN'][i],
        status: ['ANNOUNCED', 'IN_FORCE', 'EXPIRED'][i],
        announcedOn: `2021-03-0${3 - i}`,
        targetCount: [4, 0, 4][i],
        createdAt: at(3), // a tie on CREATED_AT, broken by id
      }),
    );
  }
  for (const [i, day] of [5, 2, 9, 6].entries()) {
    const measure = await insertMeasure(db, {
      title: `SM to MC ${i}`,
      summary: i === 1 ? 'Cheeses from Monaco refused' : undefined,
      imposedBy: 'SM',
      targetCountry: 'MC',
      kind: ['ENTRY_BAN', 'TRADE_RESTRICTION', 'ASSET_FREEZE', 'ENTRY_BAN'][i],
      status: ['IN_FORCE', 'LIFTED', 'IN_FORCE', 'ANNOUNCED'][i],
      announcedOn: `2021-01-${pad(day)}`,
      targetCount: [2, 9, 1, 3][i],
      targets: i === 2 ? [hub.id] : undefined,
      createdAt: at(i, 1),
    });
    smToMc.push(measure);
    if (i === 2) hubMeasureIds.add(measure.id);
  }
  for (let i = 0; i < 7; i++) {
    mcToLi.push(
      await insertMeasure(db, {
        title: `MC to LI ${i}`,
        imposedBy: 'MC',
        targetCountry: 'LI',
        announcedOn: `2021-02-${pad(1 + ((i * 3) % 7))}`,
        createdAt: at(i, 2),
      }),
    );
  }

  const issued = [3, 1, 3, 8, 5, 1, 8, 2, 5, 3, 9];
  for (const [i, day] of issued.entries()) {
    const speaker = i % 3 !== 2 ? hub.id : null;
    const row = await insertStatement(db, {
      country: 'LI',
      issuedOn: `2021-05-${pad(day)}`,
      speaker: speaker ?? undefined,
    });
    statements.push({ ...row, country: 'LI', speaker });
  }
  for (const [i, day] of [4, 4].entries()) {
    const speaker = i === 0 ? hub.id : null;
    const row = await insertStatement(db, {
      country: 'MC',
      issuedOn: `2021-05-${pad(day)}`,
      speaker: speaker ?? undefined,
    });
    statements.push({ ...row, country: 'MC', speaker });
  }

  oracle.officials = (
    await db.query<{ id: number }>('SELECT id FROM official ORDER BY name, id')
  ).map((r) => encodeGlobalId('Official', r.id));
  oracle.statements = (
    await db.query<{ id: number }>('SELECT id FROM statement ORDER BY issued_on DESC, id DESC')
  ).map((r) => encodeGlobalId('Statement', r.id));
});

afterAll(cleanUp);

// ---------------------------------------------------------------------------------------------
// Helpers

type Edge = { cursor: string; node: { id: string } };
type Page = {
  totalCount: number;
  edges: Edge[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
};
const PAGE =
  'totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

function ids(page: Page): string[] {
  return page.edges.map((edge) => edge.node.id);
}

/** `name(fixed, args)`, leaving out the parentheses when there are no arguments. */
function call(name: string, fixed: string, args: string): string {
  const all = [fixed, args].filter(Boolean).join(', ');
  return all ? `${name}(${all})` : name;
}

const statementOrder = (a: StatementRow, b: StatementRow) =>
  a.issuedOn === b.issuedOn ? b.id - a.id : a.issuedOn < b.issuedOn ? 1 : -1;
const officialOrder = (a: OfficialRow, b: OfficialRow) =>
  a.name === b.name ? a.id - b.id : a.name < b.name ? -1 : 1;

type Compare = (a: MeasureRow, b: MeasureRow) => number;
const MEASURE_ORDERS: Record<string, Compare> = {
  'ANNOUNCED_ON DESC': byAnnouncedDesc,
  'ANNOUNCED_ON ASC': (a, b) => byAnnouncedDesc(b, a),
  'CREATED_AT ASC': (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id,
  'CREATED_AT DESC': (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id,
  'TARGET_COUNT ASC': (a, b) => a.targetCount - b.targetCount || a.id - b.id,
  'TARGET_COUNT DESC': (a, b) => b.targetCount - a.targetCount || b.id - a.id,
};

function measureIds(rows: MeasureRow[], order = 'ANNOUNCED_ON DESC'): string[] {
  return [...rows].sort(MEASURE_ORDERS[order]).map((m) => m.globalId);
}

function orderArg(order: string | undefined): string {
  if (!order) return '';
  const [field, direction] = order.split(' ');
  return `orderBy: { field: ${field}, direction: ${direction} }`;
}

/** One connection: how to ask for a page of it, where it sits in the answer, what it holds. */
interface ListSpec {
  name: string;
  /** The whole document for a page with `args` (e.g. `first: 5, after: "..."`). */
  query(args: string): string;
  /** Response path of the connection field. */
  path: string[];
  expected(): string[];
  sizes: number[];
  /** The server to ask, when not the file's main one. */
  on?: TestServer;
}

function rootList(name: string, field: string, fixed: string, expected: () => string[]): ListSpec {
  return {
    name,
    query: (args) => `{ ${call(field, fixed, args)} { ${PAGE} } }`,
    path: [field],
    expected,
    sizes: [1, 4, 5, 100],
  };
}

function nestedList(
  name: string,
  parent: string,
  field: string,
  fixed: string,
  expected: () => string[],
): ListSpec {
  const parentField = parent.slice(0, parent.indexOf('('));
  return {
    name,
    query: (args) => `{ ${parent} { ${call(field, fixed, args)} { ${PAGE} } } }`,
    path: [parentField, field],
    expected,
    sizes: [1, 4, 5, 100],
  };
}

async function fetchPage(spec: ListSpec, args: string): Promise<Page> {
  const response = await (spec.on ?? server).gql(spec.query(args));
  expect(response.errors).toBeUndefined();
  let value: any = response.data;
  for (const key of spec.path) value = value[key];
  return value as Page;
}

const countryIds = () => countries.map((c) => c.code).sort();
const liOfficialIds = () => [...liOfficials].sort(officialOrder).map((o) => o.globalId);
const statementIds = (pick: (s: StatementRow) => boolean) => () =>
  statements
    .filter(pick)
    .sort(statementOrder)
    .map((s) => s.globalId);
const hubMeasures = () => [...liToMc, ...smToMc].filter((m) => hubMeasureIds.has(m.id));

const lists: ListSpec[] = [
  {
    ...rootList('countries', 'countries', '', () =>
      countryIds().map((code) => encodeGlobalId('Country', code)),
    ),
    sizes: [7, 83, 100],
  },
  {
    ...rootList('countries(region: "europe")', 'countries', 'region: "europe"', () =>
      countries
        .filter((c) => c.region === 'Europe')
        .map((c) => c.code)
        .sort()
        .map((code) => encodeGlobalId('Country', code)),
    ),
    sizes: [4, 5, 52, 100],
  },
  rootList('officials', 'officials', '', () => oracle.officials),
  rootList(
    'officials(filter: { country: ["LI"] })',
    'officials',
    'filter: { country: ["LI"] }',
    liOfficialIds,
  ),
  rootList('statements', 'statements', '', () => oracle.statements),
  rootList(
    'statements(country: ["LI"])',
    'statements',
    'country: ["LI"]',
    statementIds((s) => s.country === 'LI'),
  ),
  nestedList('Country.officials', 'country(code: "LI")', 'officials', '', liOfficialIds),
  nestedList(
    'Country.officials (filtered by category)',
    'country(code: "li")',
    'officials',
    'filter: { category: [MINISTER, DIPLOMAT] }',
    () =>
      liOfficials
        .filter((o) => o.category === 'MINISTER' || o.category === 'DIPLOMAT')
        .sort(officialOrder)
        .map((o) => o.globalId),
  ),
  nestedList(
    'Country.statements',
    'country(code: "LI")',
    'statements',
    '',
    statementIds((s) => s.country === 'LI'),
  ),
  nestedList('Country.measuresReceived', 'country(code: "MC")', 'measuresReceived', '', () =>
    measureIds([...liToMc, ...smToMc]),
  ),
  nestedList('Country.measuresImposed', 'country(code: "LI")', 'measuresImposed', '', () =>
    measureIds([...liToMc, ...liToSm]),
  ),
  nestedList(
    'Country.measuresImposed by TARGET_COUNT ASC',
    'country(code: "LI")',
    'measuresImposed',
    orderArg('TARGET_COUNT ASC'),
    () => measureIds([...liToMc, ...liToSm], 'TARGET_COUNT ASC'),
  ),
  nestedList(
    'Country.measuresReceived by CREATED_AT DESC',
    'country(code: "MC")',
    'measuresReceived',
    orderArg('CREATED_AT DESC'),
    () => measureIds([...liToMc, ...smToMc], 'CREATED_AT DESC'),
  ),
  {
    ...nestedList('Official.measures', 'official(id: "$hub")', 'measures', '', () =>
      measureIds(hubMeasures()),
    ),
  },
  nestedList(
    'Official.measures by CREATED_AT ASC',
    'official(id: "$hub")',
    'measures',
    orderArg('CREATED_AT ASC'),
    () => measureIds(hubMeasures(), 'CREATED_AT ASC'),
  ),
  nestedList(
    'Official.statements',
    'official(id: "$hub")',
    'statements',
    '',
    statementIds((s) => s.speaker === hub.id),
  ),
  nestedList('Measure.targets', 'measure(id: "$manyTargets")', 'targets', '', () =>
    manyTargetsOrder.map((o) => o.globalId),
  ),
].map((spec) => ({
  ...spec,
  // IDs of fixtures are known only once beforeAll has run.
  query: (args: string) =>
    spec.query(args).replace('$hub', hub.globalId).replace('$manyTargets', manyTargets.globalId),
}));

/** Walks the list forward with `first: size`, checking every page; returns the edges seen. */
async function walkForward(spec: ListSpec, size: number, expected: string[]): Promise<Edge[]> {
  const seen: Edge[] = [];
  let after: string | null = null;
  for (let i = 0; ; i++) {
    const page = await fetchPage(spec, `first: ${size}${after ? `, after: "${after}"` : ''}`);
    expect(ids(page)).toEqual(expected.slice(i * size, (i + 1) * size));
    expect(page.totalCount).toBe(expected.length);
    expect(page.pageInfo).toEqual({
      hasNextPage: (i + 1) * size < expected.length,
      hasPreviousPage: i > 0,
      startCursor: page.edges[0]?.cursor ?? null,
      endCursor: page.edges.at(-1)?.cursor ?? null,
    });
    seen.push(...page.edges);
    if (!page.pageInfo.hasNextPage) break;
    if (i > expected.length) throw new Error(`${spec.name}: forward walk does not end`);
    after = page.pageInfo.endCursor;
  }
  return seen;
}

/** Walks the list backward with `last: size`; returns the edges in the order they were seen. */
async function walkBackward(spec: ListSpec, size: number, expected: string[]): Promise<Edge[]> {
  const seen: Edge[] = [];
  let before: string | null = null;
  for (let j = 0; ; j++) {
    const page = await fetchPage(spec, `last: ${size}${before ? `, before: "${before}"` : ''}`);
    const end = expected.length - j * size;
    const start = Math.max(0, end - size);
    expect(ids(page)).toEqual(expected.slice(start, end));
    expect(page.totalCount).toBe(expected.length);
    expect(page.pageInfo).toEqual({
      hasNextPage: j > 0,
      hasPreviousPage: start > 0,
      startCursor: page.edges[0]?.cursor ?? null,
      endCursor: page.edges.at(-1)?.cursor ?? null,
    });
    seen.push(...[...page.edges].reverse());
    if (!page.pageInfo.hasPreviousPage) break;
    if (j > expected.length) throw new Error(`${spec.name}: backward walk does not end`);
    before = page.pageInfo.startCursor;
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------
// 1. Paging every list forward and backward

test('the fixtures give every list enough items to page through', () => {
  for (const spec of lists) expect(spec.expected().length).toBeGreaterThanOrEqual(8);
  expect(hubMeasures()).toHaveLength(10);
  expect(statementIds((s) => s.speaker === hub.id)()).toHaveLength(9);
});

describe.each(lists)('$name', (spec) => {
  test.each(spec.sizes)(
    'pages of %i: forward and backward walks see the same items, in reverse, once each',
    async (size) => {
      const expected = spec.expected();
      const forward = await walkForward(spec, size, expected);
      const backward = await walkBackward(spec, size, expected);
      const forwardIds = forward.map((e) => e.node.id);
      const backwardIds = backward.map((e) => e.node.id);
      expect(forwardIds).toEqual(expected);
      expect(backwardIds).toEqual([...forwardIds].reverse());
      expect(new Set(forwardIds).size).toBe(forwardIds.length);
      // An item's cursor does not depend on the direction it was reached from.
      const cursorOf = new Map(forward.map((e) => [e.node.id, e.cursor]));
      for (const edge of backward) expect(edge.cursor).toBe(cursorOf.get(edge.node.id));
      expect(new Set(cursorOf.values()).size).toBe(forwardIds.length);
    },
  );

  test('last page, empty first/last: 0, and the empty pages beyond either end', async () => {
    const expected = spec.expected();
    const n = expected.length;
    const first = await fetchPage(spec, 'first: 2');
    const last = await fetchPage(spec, 'last: 2');
    expect(ids(first)).toEqual(expected.slice(0, 2));
    expect(ids(last)).toEqual(expected.slice(-2));
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const firstCursor = first.pageInfo.startCursor!;
    const lastCursor = last.pageInfo.endCursor!;
    const empty = { startCursor: null, endCursor: null };

    const afterLast = await fetchPage(spec, `first: 5, after: "${lastCursor}"`);
    expect(afterLast.edges).toEqual([]);
    expect(afterLast.pageInfo).toEqual({ ...empty, hasNextPage: false, hasPreviousPage: true });
    expect(afterLast.totalCount).toBe(n);

    const beforeFirst = await fetchPage(spec, `last: 5, before: "${firstCursor}"`);
    expect(beforeFirst.edges).toEqual([]);
    expect(beforeFirst.pageInfo).toEqual({ ...empty, hasNextPage: true, hasPreviousPage: false });
    expect(beforeFirst.totalCount).toBe(n);

    // The other direction from either end is empty too.
    for (const args of [`last: 5, after: "${lastCursor}"`, `first: 5, before: "${firstCursor}"`]) {
      const page = await fetchPage(spec, args);
      expect(page.edges).toEqual([]);
      expect(page.pageInfo).toMatchObject(empty);
    }

    // From the item next to either end, exactly that end.
    const almostEnd = await fetchPage(spec, `first: 5, after: "${first.edges[0]!.cursor}"`);
    expect(ids(almostEnd)).toEqual(expected.slice(1, 6));
    const lastOne = await fetchPage(spec, `first: 5, after: "${last.edges[0]!.cursor}"`);
    expect(ids(lastOne)).toEqual([expected[n - 1]]);
    expect(lastOne.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const firstOne = await fetchPage(spec, `last: 5, before: "${first.edges[1]!.cursor}"`);
    expect(ids(firstOne)).toEqual([expected[0]]);
    expect(firstOne.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const firstZero = await fetchPage(spec, 'first: 0');
    expect(firstZero.edges).toEqual([]);
    expect(firstZero.pageInfo).toEqual({ ...empty, hasNextPage: true, hasPreviousPage: false });
    expect(firstZero.totalCount).toBe(n);
    const lastZero = await fetchPage(spec, 'last: 0');
    expect(lastZero.edges).toEqual([]);
    expect(lastZero.pageInfo).toEqual({ ...empty, hasNextPage: false, hasPreviousPage: true });
    expect(lastZero.totalCount).toBe(n);
  });

  test('after and before together bound a window, paged from either end', async () => {
    const expected = spec.expected();
    const head = await fetchPage(spec, 'first: 8');
    const after = head.edges[1]!.cursor;
    const before = head.edges[7]!.cursor;
    const bounds = `after: "${after}", before: "${before}"`;

    const firstTwo = await fetchPage(spec, `first: 2, ${bounds}`);
    expect(ids(firstTwo)).toEqual(expected.slice(2, 4));
    expect(firstTwo.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const lastTwo = await fetchPage(spec, `last: 2, ${bounds}`);
    expect(ids(lastTwo)).toEqual(expected.slice(5, 7));
    expect(lastTwo.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const all = await fetchPage(spec, `first: 10, ${bounds}`);
    expect(ids(all)).toEqual(expected.slice(2, 7));
    expect(all.pageInfo.hasNextPage).toBe(false);
    const allBackward = await fetchPage(spec, `last: 10, ${bounds}`);
    expect(ids(allBackward)).toEqual(expected.slice(2, 7));
    expect(allBackward.pageInfo.hasPreviousPage).toBe(false);
    expect(allBackward.totalCount).toBe(expected.length);
  });

  // 2. Out-of-range page sizes name their argument, on every list.
  test.each([
    ['first: -1', 'first'],
    ['last: -1', 'last'],
    ['last: 101', 'last'],
    ['first: 101', 'first'],
    ['first: 2, last: 2', 'last'],
  ])('%s is BAD_USER_INPUT naming %s', async (args, field) => {
    const response = await server.gql(spec.query(args));
    expectBadInput(response, field);
    expect(response.errors![0]!.path).toEqual(spec.path);
  });

  test('first: 100 and last: 100 are allowed', async () => {
    const expected = spec.expected();
    expect(ids(await fetchPage(spec, 'first: 100'))).toEqual(expected.slice(0, 100));
    expect(ids(await fetchPage(spec, 'last: 100'))).toEqual(expected.slice(-100));
  });
});

describe('empty lists', () => {
  test.each([
    ['Country.officials', '{ country(code: "AQ") { officials(ARGS) { PAGE } } }', 'officials'],
    ['Country.statements', '{ country(code: "SM") { statements(ARGS) { PAGE } } }', 'statements'],
    [
      'Country.measuresImposed',
      '{ country(code: "MC") { measuresImposed(ARGS, filter: { kind: [AID] }) { PAGE } } }',
      'measuresImposed',
    ],
    ['Official.statements', '{ official(id: "$id") { statements(ARGS) { PAGE } } }', 'statements'],
  ])('%s with nothing in it: no edges, no cursors, no pages', async (_name, query, field) => {
    for (const args of ['first: 5', 'last: 5', 'first: 0', 'last: 0']) {
      const text = query
        .replace('ARGS', args)
        .replace('PAGE', PAGE)
        .replace('$id', liOfficials[5]!.globalId);
      const { data, errors } = await server.gql(text);
      expect(errors).toBeUndefined();
      const page = Object.values(data as Record<string, any>)[0][field] as Page;
      expect(page).toEqual({
        totalCount: 0,
        edges: [],
        pageInfo: {
          hasNextPage: false,
          hasPreviousPage: false,
          startCursor: null,
          endCursor: null,
        },
      });
    }
  });
});

describe('per-parent lists batched in one request keep their pages apart', () => {
  test('measuresImposed and measuresReceived of two countries, backward from a cursor', async () => {
    const imposedLi = measureIds([...liToMc, ...liToSm]);
    const imposedMc = measureIds(mcToLi);
    const receivedMc = measureIds([...liToMc, ...smToMc]);
    const receivedLi = measureIds(mcToLi);
    const { data, errors } = await server.gql(`{
      li: country(code: "LI") {
        measuresImposed(last: 3) { ${PAGE} }
        measuresReceived(last: 3) { ${PAGE} }
      }
      mc: country(code: "MC") {
        measuresImposed(last: 3) { ${PAGE} }
        measuresReceived(last: 3) { ${PAGE} }
      }
    }`);
    expect(errors).toBeUndefined();
    expect(ids(data.li.measuresImposed)).toEqual(imposedLi.slice(-3));
    expect(ids(data.mc.measuresImposed)).toEqual(imposedMc.slice(-3));
    expect(ids(data.li.measuresReceived)).toEqual(receivedLi.slice(-3));
    expect(ids(data.mc.measuresReceived)).toEqual(receivedMc.slice(-3));
    expect(data.li.measuresImposed.totalCount).toBe(15);
    expect(data.mc.measuresImposed.totalCount).toBe(7);
    expect(data.li.measuresReceived.totalCount).toBe(7);
    expect(data.mc.measuresReceived.totalCount).toBe(16);
    for (const page of [data.li.measuresImposed, data.mc.measuresReceived]) {
      expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    }

    // The same `before` cursor (a position in the order) applied to both countries at once.
    const cursor = data.li.measuresImposed.pageInfo.startCursor;
    const next = await server.gql(`{
      li: country(code: "LI") { measuresImposed(last: 4, before: "${cursor}") { ${PAGE} } }
      mc: country(code: "MC") { measuresImposed(last: 4, before: "${cursor}") { ${PAGE} } }
    }`);
    expect(next.errors).toBeUndefined();
    expect(ids(next.data.li.measuresImposed)).toEqual(imposedLi.slice(-7, -3));
    const position = liToMc.concat(liToSm).find((m) => m.globalId === imposedLi.at(-3))!;
    // MC's own measures that come before that position in the order (all of them: February).
    const aheadInMc = [...mcToLi]
      .sort(byAnnouncedDesc)
      .filter((m) => byAnnouncedDesc(m, position) < 0)
      .map((m) => m.globalId);
    expect(aheadInMc).toHaveLength(7);
    expect(ids(next.data.mc.measuresImposed)).toEqual(aheadInMc.slice(-4));
    expect(next.data.mc.measuresImposed.pageInfo.hasPreviousPage).toBe(true);
  });

  test('officials and statements of two countries, and measures of two officials', async () => {
    const other = liOfficials[4]!; // named by manyTargets only
    const { data, errors } = await server.gql(`{
      li: country(code: "LI") { officials(last: 4) { ${PAGE} } statements(last: 2) { ${PAGE} } }
      mc: country(code: "MC") { officials(last: 4) { ${PAGE} } statements(last: 2) { ${PAGE} } }
      hub: official(id: "${hub.globalId}") { measures(last: 2) { ${PAGE} } statements(first: 2) { ${PAGE} } }
      other: official(id: "${other.globalId}") { measures(last: 2) { ${PAGE} } statements(first: 2) { ${PAGE} } }
    }`);
    expect(errors).toBeUndefined();
    expect(ids(data.li.officials)).toEqual(liOfficialIds().slice(-4));
    expect(data.mc.officials).toMatchObject({ totalCount: 0, edges: [] });
    expect(ids(data.li.statements)).toEqual(statementIds((s) => s.country === 'LI')().slice(-2));
    expect(ids(data.mc.statements)).toEqual(statementIds((s) => s.country === 'MC')());
    expect(data.mc.statements.pageInfo).toMatchObject({ hasPreviousPage: false });
    expect(ids(data.hub.measures)).toEqual(measureIds(hubMeasures()).slice(-2));
    expect(ids(data.other.measures)).toEqual([manyTargets.globalId]);
    expect(data.other.measures.pageInfo.hasPreviousPage).toBe(false);
    expect(data.hub.statements.totalCount).toBe(9);
    expect(data.other.statements.totalCount).toBe(0);
  });

  test('targets of two measures, backward', async () => {
    const single = liToMc[2]!; // names hub only
    const { data, errors } = await server.gql(`{
      a: measure(id: "${manyTargets.globalId}") { targets(last: 3) { ${PAGE} } }
      b: measure(id: "${single.globalId}") { targets(last: 3) { ${PAGE} } }
    }`);
    expect(errors).toBeUndefined();
    expect(ids(data.a.targets)).toEqual(manyTargetsOrder.slice(-3).map((o) => o.globalId));
    expect(data.a.targets.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(ids(data.b.targets)).toEqual([hub.globalId]);
    expect(data.b.targets.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  test('a cursor of one list is refused by a list with another order', async () => {
    const targets = await server.gql(
      `{ measure(id: "${manyTargets.globalId}") { targets(first: 1) { pageInfo { endCursor } } } }`,
    );
    const cursor = targets.data.measure.targets.pageInfo.endCursor;
    for (const query of [
      `{ country(code: "LI") { officials(last: 2, before: "${cursor}") { totalCount } } }`,
      `{ official(id: "${hub.globalId}") { statements(last: 2, before: "${cursor}") { totalCount } } }`,
      `{ country(code: "LI") { measuresImposed(last: 2, before: "${cursor}") { totalCount } } }`,
    ]) {
      expectBadInput(await server.gql(query), 'before');
    }
    const byCount = await server.gql(
      `{ country(code: "LI") { measuresImposed(first: 1, ${orderArg('TARGET_COUNT DESC')}) { pageInfo { endCursor } } } }`,
    );
    // The cursor names the field, not the direction: it is valid both ways, and only there.
    const countCursor = byCount.data.country.measuresImposed.pageInfo.endCursor;
    const reversed = await server.gql(
      `{ country(code: "LI") { measuresImposed(last: 100, before: "${countCursor}", ${orderArg('TARGET_COUNT ASC')}) { totalCount edges { node { id } } } } }`,
    );
    expect(reversed.errors).toBeUndefined();
    const ascending = measureIds([...liToMc, ...liToSm], 'TARGET_COUNT ASC');
    const atCursor = measureIds([...liToMc, ...liToSm], 'TARGET_COUNT DESC')[0]!;
    expect(reversed.data.country.measuresImposed.edges.map((e: Edge) => e.node.id)).toEqual(
      ascending.slice(0, ascending.indexOf(atCursor)),
    );
    expectBadInput(
      await server.gql(
        `{ country(code: "LI") { measuresImposed(after: "${countCursor}") { totalCount } } }`,
      ),
      'after',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Filters and orders on a country's measures

describe('Country.measuresReceived(filter)', () => {
  const received = () => [...liToMc, ...smToMc];
  test.each([
    ['imposedBy: ["sm"]', (m: MeasureRow) => m.imposedBy === 'SM'],
    [
      'kind: [ENTRY_BAN], status: [IN_FORCE, LIFTED]',
      (m: MeasureRow) => m.kind === 'ENTRY_BAN' && ['IN_FORCE', 'LIFTED'].includes(m.status),
    ],
    [
      'announcedFrom: "2021-01-03", announcedTo: "2021-01-06"',
      (m: MeasureRow) => m.announcedOn >= '2021-01-03' && m.announcedOn <= '2021-01-06',
    ],
    ['targetsOfficial: "$hub"', (m: MeasureRow) => hubMeasureIds.has(m.id)],
    ['text: "cheese"', (m: MeasureRow) => /LI to MC [38]$|SM to MC 1$/.test(m.title)],
    ['targetCountry: ["LI"]', () => false],
    [
      'imposedBy: ["LI"], kind: [ASSET_FREEZE]',
      (m: MeasureRow) => m.imposedBy === 'LI' && m.kind === 'ASSET_FREEZE',
    ],
  ])('filter { %s }, both directions, exact', async (filter, predicate) => {
    const matching = received().filter(predicate);
    if (!filter.startsWith('targetCountry')) expect(matching.length).toBeGreaterThan(1);
    const text = filter.replace('$hub', hub.globalId);
    for (const order of ['ANNOUNCED_ON DESC', 'ANNOUNCED_ON ASC', undefined]) {
      const { data, errors } = await server.gql(
        `{ country(code: "MC") { measuresReceived(first: 100, filter: { ${text} }${order ? `, ${orderArg(order)}` : ''}) { ${PAGE} } } }`,
      );
      expect(errors).toBeUndefined();
      const page = data.country.measuresReceived as Page;
      expect(ids(page)).toEqual(measureIds(matching, order ?? 'ANNOUNCED_ON DESC'));
      expect(page.totalCount).toBe(matching.length);
      expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    }
  });

  test('a filtered list pages backward in pages of 2', async () => {
    const spec: ListSpec = nestedList(
      'received, filtered',
      'country(code: "MC")',
      'measuresReceived',
      `filter: { status: [IN_FORCE, ANNOUNCED] }, ${orderArg('ANNOUNCED_ON ASC')}`,
      () =>
        measureIds(
          received().filter((m) => ['IN_FORCE', 'ANNOUNCED'].includes(m.status)),
          'ANNOUNCED_ON ASC',
        ),
    );
    const expected = spec.expected();
    expect(expected.length).toBe(9);
    const backward = await walkBackward(spec, 3, expected);
    expect(backward.map((e) => e.node.id)).toEqual([...expected].reverse());
  });

  test('an invalid filter names its field', async () => {
    expectBadInput(
      await server.gql(
        '{ country(code: "MC") { measuresReceived(filter: { imposedBy: ["LI", "XX"] }) { totalCount } } }',
      ),
      'filter.imposedBy[1]',
    );
    expectBadInput(
      await server.gql(
        `{ country(code: "MC") { measuresReceived(filter: { targetsOfficial: "${liToMc[1]!.globalId}" }) { totalCount } } }`,
      ),
      'filter.targetsOfficial',
    );
  });
});

describe('Country.measuresImposed(filter, orderBy)', () => {
  const imposed = () => [...liToMc, ...liToSm];
  const cases: [string, (m: MeasureRow) => boolean, string][] = [];
  const filters: [string, (m: MeasureRow) => boolean][] = [
    ['targetCountry: ["SM"]', (m) => m.targetCountry === 'SM'],
    ['status: [ANNOUNCED, EXPIRED]', (m) => ['ANNOUNCED', 'EXPIRED'].includes(m.status)],
    ['kind: [ASSET_FREEZE]', (m) => m.kind === 'ASSET_FREEZE'],
    [
      'targetsOfficial: "$hub", announcedFrom: "2021-01-04"',
      (m) => hubMeasureIds.has(m.id) && m.announcedOn >= '2021-01-04',
    ],
  ];
  for (const [filter, predicate] of filters) {
    for (const order of Object.keys(MEASURE_ORDERS)) cases.push([filter, predicate, order]);
  }

  test.each(cases)('filter { %s } orderBy %s', async (filter, predicate, order) => {
    const matching = imposed().filter(predicate);
    expect(matching.length).toBeGreaterThan(1);
    const expected = measureIds(matching, order);
    const spec = nestedList(
      'imposed, filtered',
      'country(code: "LI")',
      'measuresImposed',
      `filter: { ${filter.replace('$hub', hub.globalId)} }, ${orderArg(order)}`,
      () => expected,
    );
    const all = await fetchPage(spec, 'first: 100');
    expect(ids(all)).toEqual(expected);
    expect(all.totalCount).toBe(expected.length);
    const forward = await walkForward(spec, 2, expected);
    const backward = await walkBackward(spec, 2, expected);
    expect(backward.map((e) => e.node.id)).toEqual(forward.map((e) => e.node.id).reverse());
  });

  test('orders really differ on these fixtures (so the cases above test something)', () => {
    const orders = Object.keys(MEASURE_ORDERS).map((o) => measureIds(imposed(), o).join());
    expect(new Set(orders).size).toBe(orders.length);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. measure(id), statement(id), official(id)

describe('fetching one object by ID', () => {
  const objects = () => ({
    measure: { type: 'Measure' as const, existing: liToMc[3]!.globalId },
    statement: { type: 'Statement' as const, existing: statements[0]!.globalId },
    official: { type: 'Official' as const, existing: hub.globalId },
  });
  const fields = ['measure', 'statement', 'official'] as const;

  test.each(fields)('%s(id) round-trips its own ID', async (field) => {
    const { existing } = objects()[field];
    const { data, errors } = await server.gql(`{ ${field}(id: "${existing}") { __typename id } }`);
    expect(errors).toBeUndefined();
    expect(data[field]).toEqual({ __typename: objects()[field].type, id: existing });
  });

  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  test.each(fields)('%s(id) with a malformed ID is BAD_USER_INPUT naming id', async (field) => {
    const type = objects()[field].type;
    const malformed = [
      'not-an-id',
      '',
      '???',
      `${objects()[field].existing}=`, // padding is not part of the alphabet
      b64(`${type}:0`),
      b64(`${type}:-1`),
      b64(`${type}:01`),
      b64(`${type}:1.5`),
      b64(`${type}:2147483648`), // beyond int4
      b64(`${type}:abc`),
      b64(`${type.toLowerCase()}:1`),
      b64(`${type}1`),
      b64(`Nope:1`),
      'A'.repeat(65),
    ];
    for (const id of malformed) {
      const response = await server.gql(`query($id: ID!) { ${field}(id: $id) { id } }`, { id });
      expectBadInput(response, 'id');
      expect(response.data?.[field] ?? null).toBeNull();
    }
    // An Int literal is coerced to an ID string, and is malformed as well.
    expectBadInput(await server.gql(`{ ${field}(id: 5) { id } }`), 'id');
  });

  test.each(fields)('%s(id) with a well-formed ID of nothing is null', async (field) => {
    const type = objects()[field].type;
    for (const key of [999999, 2147483647]) {
      const { data, errors } = await server.gql(
        `{ ${field}(id: "${encodeGlobalId(type, key)}") { id } }`,
      );
      expect(errors).toBeUndefined();
      expect(data[field]).toBeNull();
    }
  });

  // global-id.ts decodeIntId: the ID of another type is refused (BAD_USER_INPUT on `id`, saying
  // which type was expected), unlike node(id), which answers with whatever object it names.
  test.each(fields)('%s(id) with the ID of another type is BAD_USER_INPUT', async (field) => {
    const own = objects()[field].type;
    const others = [
      ...Object.values(objects())
        .filter((o) => o.type !== own)
        .map((o) => o.existing),
      encodeGlobalId('Country', 'LI'),
      encodeGlobalId('ApiKey', 1),
    ];
    for (const id of others) {
      const response = await server.gql(
        `{ ${field}(id: "${id}") { id } node(id: "${id}") { id } }`,
      );
      expectBadInput(response, 'id');
      expect(response.errors![0]!.path).toEqual([field]);
      expect(response.errors![0]!.message).toMatch(new RegExp(`^Expected the ID of an? ${own},`));
      expect(response.data![field]).toBeNull();
    }
    // node(id) resolves the same IDs to the objects they name.
    const other = Object.values(objects()).find((o) => o.type !== own)!;
    const { data, errors } = await server.gql(
      `{ node(id: "${other.existing}") { __typename id } }`,
    );
    expect(errors).toBeUndefined();
    expect(data.node).toEqual({ __typename: other.type, id: other.existing });
  });
});

// ---------------------------------------------------------------------------------------------
// Objects written through the API (own server and database, so the lists above stay exact)

describe('lists of objects written through the API', () => {
  let api: TestServer;
  const officials: OfficialRow[] = [];
  const measures: MeasureRow[] = [];
  const written: StatementRow[] = [];
  let targetOrder: string[] = [];
  let speaker: OfficialRow;

  function ok<T>(response: GraphQLResponse<T>): T {
    expect(response.errors).toBeUndefined();
    return response.data!;
  }

  beforeAll(async () => {
    api = await startTestServer();
    const { key } = await api.createKey(Role.EDITOR, 'paging editor');
    for (const name of ['Ad Pager 3', 'Ad Pager 1', 'Ad Pager 2', 'Ad Pager 1', 'Ad Pager 0']) {
      const { addOfficial } = ok<any>(
        await api.gqlAs(
          key,
          'mutation($input: AddOfficialInput!) { addOfficial(input: $input) { id name } }',
          { input: { name, country: 'ad', category: 'OFFICIAL' } },
        ),
      );
      officials.push({
        id: decodeIntId(addOfficial.id, 'Official', 'id'),
        globalId: addOfficial.id,
        name,
        country: 'AD',
        category: 'OFFICIAL',
      });
    }
    speaker = officials[2]!;
    // Two announcement dates only; creation times are whatever the server recorded.
    for (let i = 0; i < 7; i++) {
      const targetOfficialIds =
        i === 0 ? [3, 0, 4, 1].map((k) => officials[k]!.globalId) : [speaker.globalId];
      const { addMeasure } = ok<any>(
        await api.gqlAs(
          key,
          `mutation($input: AddMeasureInput!) { addMeasure(input: $input) {
            id title kind status announcedOn targetCount createdAt
            targets(first: 100) { edges { node { id } } }
          } }`,
          {
            input: {
              kind: 'ENTRY_BAN',
              title: `AD to VA ${i}`,
              imposedBy: 'AD',
              targetCountry: 'VA',
              announcedOn: i % 2 ? '2020-06-01' : '2020-06-02',
              targetOfficialIds,
              newTargets:
                i === 0 ? [{ name: 'Ad Pager 9', country: 'AD', category: 'OTHER' }] : undefined,
              targetCount: (i === 0 ? 5 : 1) + ((i * 3) % 4),
              sources: [{ title: 'Gazette of Andorra' }],
            },
          },
        ),
      );
      if (i === 0) targetOrder = addMeasure.targets.edges.map((e: Edge) => e.node.id);
      measures.push({
        id: decodeIntId(addMeasure.id, 'Measure', 'id'),
        globalId: addMeasure.id,
        title: addMeasure.title,
        kind: addMeasure.kind,
        status: addMeasure.status,
        imposedBy: 'AD',
        targetCountry: 'VA',
        announcedOn: addMeasure.announcedOn,
        targetCount: addMeasure.targetCount,
        createdAt: addMeasure.createdAt,
      });
    }
    for (let i = 0; i < 6; i++) {
      const { addStatement } = ok<any>(
        await api.gqlAs(
          key,
          'mutation($input: AddStatementInput!) { addStatement(input: $input) { id issuedOn } }',
          {
            input: {
              issuedOn: i < 3 ? '2020-07-01' : '2020-07-02',
              country: 'AD',
              issuer: 'Government of Andorra',
              speakerId: i % 2 ? speaker.globalId : null,
              text: `Statement ${i}`,
              sources: [{ title: 'Gazette of Andorra' }],
            },
          },
        ),
      );
      written.push({
        id: decodeIntId(addStatement.id, 'Statement', 'id'),
        globalId: addStatement.id,
        issuedOn: addStatement.issuedOn,
        country: 'AD',
        speaker: i % 2 ? speaker.id : null,
      });
    }
  });

  const specs = (): ListSpec[] => {
    const adOfficials = () => {
      const newTarget = targetOrder[4]!;
      const rows = officials.map((o) => ({ name: o.name, id: o.id, globalId: o.globalId }));
      rows.push({
        name: 'Ad Pager 9',
        id: decodeIntId(newTarget, 'Official', 'id'),
        globalId: newTarget,
      });
      return rows
        .sort((a, b) => (a.name === b.name ? a.id - b.id : a.name < b.name ? -1 : 1))
        .map((o) => o.globalId);
    };
    const withServer = (spec: ListSpec): ListSpec => ({ ...spec, on: api, sizes: [1, 2, 3] });
    return [
      withServer(
        nestedList('Country.officials', 'country(code: "AD")', 'officials', '', adOfficials),
      ),
      withServer(
        rootList('officials (AD)', 'officials', 'filter: { country: ["AD"] }', adOfficials),
      ),
      withServer(
        nestedList('Country.measuresImposed', 'country(code: "AD")', 'measuresImposed', '', () =>
          measureIds(measures),
        ),
      ),
      ...['CREATED_AT ASC', 'CREATED_AT DESC', 'TARGET_COUNT DESC'].map((order) =>
        withServer(
          nestedList(
            `Country.measuresReceived by ${order}`,
            'country(code: "VA")',
            'measuresReceived',
            orderArg(order),
            () => measureIds(measures, order),
          ),
        ),
      ),
      withServer(
        nestedList('Official.measures', `official(id: "${speaker.globalId}")`, 'measures', '', () =>
          measureIds(measures.slice(1)),
        ),
      ),
      withServer(
        nestedList(
          'Measure.targets',
          `measure(id: "${measures[0]!.globalId}")`,
          'targets',
          '',
          () => targetOrder,
        ),
      ),
      withServer(
        nestedList('Country.statements', 'country(code: "AD")', 'statements', '', () =>
          [...written].sort(statementOrder).map((s) => s.globalId),
        ),
      ),
      withServer(
        nestedList(
          'Official.statements',
          `official(id: "${speaker.globalId}")`,
          'statements',
          '',
          () =>
            written
              .filter((s) => s.speaker === speaker.id)
              .sort(statementOrder)
              .map((s) => s.globalId),
        ),
      ),
    ];
  };

  test('targets keep the recorded order, new targets last', () => {
    expect(targetOrder).toHaveLength(5);
    expect(targetOrder.slice(0, 4)).toEqual([3, 0, 4, 1].map((k) => officials[k]!.globalId));
  });

  test('every list pages forward and backward to the same items, at every page size', async () => {
    for (const spec of specs()) {
      const expected = spec.expected();
      expect(expected.length).toBeGreaterThanOrEqual(3);
      for (const size of spec.sizes) {
        const forward = await walkForward(spec, size, expected);
        const backward = await walkBackward(spec, size, expected);
        expect(backward.map((e) => e.node.id)).toEqual(forward.map((e) => e.node.id).reverse());
        const afterLast = await fetchPage(
          spec,
          `first: ${size}, after: "${forward.at(-1)!.cursor}"`,
        );
        expect(afterLast.edges).toEqual([]);
        expect(afterLast.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
        const beforeFirst = await fetchPage(spec, `last: ${size}, before: "${forward[0]!.cursor}"`);
        expect(beforeFirst.edges).toEqual([]);
        expect(beforeFirst.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      }
    }
  });
});

describe('ties and backward pages (6 measures on one date, one target count)', () => {
  let server: TestServer;
  const ms: MeasureRow[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    // 6 measures of NZ against AU, all the same date and target count: ties everywhere.
    for (let i = 0; i < 6; i++) {
      ms.push(
        await insertMeasure(server.db, {
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

  const nz = (args: string) =>
    server.gql(`{ measures(filter: { imposedBy: ["nz"] }, ${args}) {
    totalCount edges { cursor node { id title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`);

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
