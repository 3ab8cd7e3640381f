import diagnosticsChannel from 'node:diagnostics_channel';
import { loadConfig } from '../../../src/config';
import type { SqlEvent } from '../../../src/database/sql';
import { cleanUp, onCleanup } from '../../helpers/cleanup';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';
import { insertMeasure, insertOfficial, insertStatement } from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';

/**
 * More probes of the read planner, from a review: aliases named like fields (and like Object's
 * own properties), fields merged through fragments, @skip/@include everywhere, every order and
 * window with cursors crossed between the paths, every filter, large and deep selections, and the
 * errors and fallbacks. Two servers on one database (planner on / off), every answer compared as
 * text (request ids stripped); each probe tells whether the planner answered it.
 */
let planned: TestServer;
let resolved: TestServer;
let db: TestDatabase;
const ids: Record<string, string> = {};

const defaults = loadConfig({ NODE_ENV: 'test' });
const limits = {
  ...defaults.limits,
  maxAliases: 500,
  maxDirectives: 500,
  maxTokens: 50_000,
  maxDepth: 30,
};

const WEIRD = `O'Brien "dq" \\ back \\\\ 😀 \u0001\u001f\u007f \u2028\u2029 </script> é ß ‮rtl ${'x'.repeat(20)}`;

beforeAll(async () => {
  db = await createTestDatabase();
  onCleanup(() => db.drop());
  // Before the servers start (their country cache is read at start-up).
  await db.query(`UPDATE country SET region = NULL WHERE code IN ('AQ', 'IS')`);
  planned = await startTestServer({ readPlanner: true, limits }, db);
  resolved = await startTestServer({ readPlanner: false, limits }, db);

  const people = [];
  for (let i = 0; i < 110; i++) {
    people.push(
      await insertOfficial(db, {
        name:
          i === 0
            ? WEIRD
            : i === 1
              ? 'L'.repeat(20_000)
              : `Person ${String(i).padStart(3, '0')} ${i % 7 ? '' : '"q"'}`,
        country: ['RU', 'CN', 'IR', 'BY'][i % 4]!,
        nativeName: i % 3 ? undefined : `Нативное ${i} ${WEIRD}`,
        aliases: i % 5 ? [] : ['', WEIRD, 'a,b', '{x}', 'NULL', 'null'],
        category: i % 6 ? 'OFFICIAL' : 'HEAD_OF_STATE',
      }),
    );
  }
  await db.query(
    `UPDATE official SET position = CASE WHEN id % 2 = 0 THEN $1 END, wikidata_id = CASE WHEN id % 3 = 0 THEN 'Q' || id END`,
    [WEIRD],
  );
  ids.person0 = people[0]!.globalId;
  ids.person5 = people[5]!.globalId;
  ids.person50 = people[50]!.globalId;

  // FR: 105 measures, each with up to 100 targets, ties on dates, counts and created_at.
  const fr = [];
  for (let i = 0; i < 105; i++) {
    fr.push(
      await insertMeasure(db, {
        title: i === 3 ? WEIRD : `FR measure ${i} ${'t'.repeat(i % 3)}`,
        kind: ['ENTRY_BAN', 'ASSET_FREEZE', 'AID', 'OTHER'][i % 4],
        status: ['IN_FORCE', 'LIFTED', 'ANNOUNCED', 'EXPIRED', 'SUSPENDED'][i % 5],
        imposedBy: 'FR',
        targetCountry: i % 3 === 0 ? null : i % 3 === 1 ? 'RU' : 'IS',
        announcedOn: `2022-0${(i % 9) + 1}-${i % 2 ? '01' : '15'}`,
        summary: i % 4 === 0 ? undefined : `${WEIRD} ${i}`,
        targetCount: i % 6,
        createdAt: `2023-01-0${(i % 5) + 1}T00:00:00.${String(i % 4).padStart(3, '0')}4567Z`,
      }),
    );
  }
  ids.fr0 = fr[0]!.globalId;
  ids.fr3 = fr[3]!.globalId;
  await db.query(
    `INSERT INTO measure_target (measure_id, official_id, position)
     SELECT m.id, o.id, row_number() OVER (PARTITION BY m.id ORDER BY o.id DESC) * 3
     FROM measure m JOIN official o ON (o.id + m.id) % 100 < (m.id % 100) + 1
     WHERE m.imposed_by_code = 'FR'`,
  );
  await db.query(
    `UPDATE measure SET announced_on_precision = CASE WHEN id % 3 = 0 THEN 'MONTH' WHEN id % 3 = 1 THEN 'YEAR' ELSE 'DAY' END,
       effective_from = CASE WHEN id % 2 = 0 THEN announced_on + 3 END,
       expires_on = CASE WHEN id % 4 = 0 AND NOT indefinite THEN announced_on + 400 END,
       lifted_on = CASE WHEN status = 'LIFTED' THEN announced_on + 10 END,
       beneficiary_country_code = CASE WHEN kind = 'AID' THEN 'UA' END,
       updated_at = created_at + interval '1.5 seconds'
     WHERE imposed_by_code = 'FR'`,
  );
  await db.query(`UPDATE measure SET in_response_to_id = $1 WHERE id IN ($2, $3, $4)`, [
    fr[0]!.id,
    fr[5]!.id,
    fr[6]!.id,
    fr[7]!.id,
  ]);
  // A measure with exactly 100 targets, imposed by a country with no region.
  const big = await insertMeasure(db, {
    title: 'Hundred',
    imposedBy: 'AQ',
    targetCountry: 'IS',
    announcedOn: '2024-01-01',
    targets: people.slice(0, 100).map((p) => p.id),
  });
  ids.big = big.globalId;
  for (const [i, m] of [fr[0]!, fr[3]!, big].entries()) {
    await insertStatement(db, {
      country: i ? 'FR' : 'IS',
      issuedOn: `2022-0${i + 1}-01`,
      issuer: WEIRD,
      text: `${WEIRD}\n${'long '.repeat(500)}`,
      measures: [m.id],
      speaker: people[i]!.id,
    });
  }
  await db.query(
    `UPDATE statement SET quotes = ARRAY[$1, '', 'q2'], language = CASE WHEN id % 2 = 0 THEN 'en' END, title = CASE WHEN id % 2 = 1 THEN $1 END`,
    [WEIRD],
  );
  // A country seeded after the servers started, and a measure imposed by it.
  await db.query(
    `INSERT INTO country (code, alpha3, name, region) VALUES ('QZ', 'QZQ', 'Late', NULL)`,
  );
  const late = await insertMeasure(db, {
    title: 'Late country',
    imposedBy: 'QZ',
    targetCountry: 'QZ',
    announcedOn: '2021-01-01',
    targets: [people[2]!.id],
  });
  ids.late = late.globalId;
}, 120_000);

afterAll(cleanUp);

async function post(server: TestServer, body: Record<string, unknown>) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const headers = [...response.headers.entries()]
    .filter(
      ([k]) => !['date', 'x-request-id', 'content-length', 'keep-alive', 'connection'].includes(k),
    )
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
  return {
    status: response.status,
    headers,
    text: (await response.text()).replace(/"requestId":"[^"]+"/g, '"requestId":""'),
  };
}

/**
 * Sends one probe to both servers; `a` is the planner's answer, `b` the resolvers', `byPlanner`
 * whether the planner's statement ran. (`_name` labels the probe at its call site.)
 */
async function both(
  _name: string,
  query: string,
  variables?: Record<string, unknown>,
  operationName?: string,
) {
  const texts: string[] = [];
  const listener = (message: unknown) => texts.push((message as SqlEvent).text);
  diagnosticsChannel.subscribe('retorsion:sql', listener);
  let a: { status: number; text: string; headers: string };
  try {
    a = await post(planned, { query, variables, operationName });
  } finally {
    diagnosticsChannel.unsubscribe('retorsion:sql', listener);
  }
  const b = await post(resolved, { query, variables, operationName });
  const byPlanner = texts.some((t) => t.startsWith('SELECT json_build_object'));
  return { a, b, byPlanner };
}

const sub = (v?: Record<string, unknown>) =>
  v &&
  Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      typeof x === 'string' && x.startsWith('@') ? ids[x.slice(1)] : x,
    ]),
  );

const MF = `id __typename title kind summary announcedOn announcedOnPrecision targetCount indefinite
  status effectiveFrom expiresOn liftedOn createdAt updatedAt
  imposedBy { id code alpha3 name region __typename } targetCountry { id code __typename } beneficiaryCountry { code name region }`;
const OF = `id __typename name nativeName aliases position category wikidataId country { code region }`;

const CASES: [string, string, Record<string, unknown>][] = [
  [
    'big page, 100 x 100 targets',
    `{ measures(first: 100, filter: { imposedBy: ["FR"] }) { totalCount edges { cursor node { ${MF}
      targets(first: 100) { totalCount edges { cursor node { id name nativeName aliases position category wikidataId } } pageInfo { hasNextPage endCursor } } } } } }`,
    {},
  ],
  [
    'Node fragment nesting a Country fragment inside a Measure',
    `query($id: ID!) { measure(id: $id) { ... on Node { id ... on Country { name } ... on Measure { title } } } }`,
    { id: '@fr3' },
  ],
  [
    'skip on root __typename and include on nested',
    `query($y: Boolean!) { __typename @skip(if: $y) t: __typename @include(if: $y) country(code: "fr") { __typename @skip(if: $y) } }`,
    { y: true },
  ],
  [
    'measure with 100 targets',
    `query($id: ID!) { measure(id: $id) { ${MF} targets(first: 100) { totalCount edges { cursor node { ${OF} } } }
      statements { id issuer title text quotes language issuedOn issuedOnPrecision createdAt updatedAt country { code name region } } } }`,
    { id: '@big' },
  ],
  [
    'aliases colliding with field names',
    `query($id: ID!) { measures: measure(id: $id) { title: id id: title imposedBy: targetCountry { code: name name: code }
      targetCountry: imposedBy { region: code } } measure: country(code: "fr") { code: name } country: official(id: "${'x'}") { id } }`,
    { id: '@fr3' },
  ],
  [
    'aliases colliding, valid official',
    `query($id: ID!, $p: ID!) { measures: measure(id: $id) { title: id id: title } measure: country(code: "fr") { code: name } country: official(id: $p) { measures: name name: id } }`,
    { id: '@fr3', p: '@person0' },
  ],
  [
    'same field twice with different sub-selections',
    `query($id: ID!) { measure(id: $id) { ...A ...B imposedBy { code } } }
     fragment A on Measure { targets(first: 3) { edges { node { name } } } imposedBy { name region } }
     fragment B on Measure { targets(first: 3) { totalCount edges { cursor node { id country { name } } } } imposedBy { id } }`,
    { id: '@fr3' },
  ],
  [
    'same root field twice via inline fragments',
    `{ measures(first: 3) { edges { node { title } } } ... on Query { measures(first: 3) { totalCount edges { node { id imposedBy { name } } } } } }`,
    {},
  ],
  [
    '@skip/@include with variables on fields, fragments, inline fragments',
    `query($y: Boolean!, $n: Boolean = false) { measures(first: 4, filter: { imposedBy: ["fr"] }) {
      totalCount @include(if: $n) edges { cursor @skip(if: $y) node { ...F @include(if: $y) ...G @skip(if: $y) ... on Measure @include(if: $n) { summary } ... @skip(if: $n) { kind } } } } }
      fragment F on Measure { id title } fragment G on Measure { status }`,
    { y: true },
  ],
  [
    '@skip on every subfield of imposedBy and targetCountry',
    `query($y: Boolean!) { measures(first: 5, filter: { imposedBy: ["FR"] }) { edges { node { imposedBy { code @skip(if: $y) } targetCountry { code @skip(if: $y) } } } } }`,
    { y: true },
  ],
  [
    '@skip on every subfield of imposedBy (subquery path)',
    `query($y: Boolean!) { measures(first: 5, filter: { imposedBy: ["FR"] }) { edges { node { imposedBy { name @skip(if: $y) } targetCountry { name @skip(if: $y) } } } } }`,
    { y: true },
  ],
  [
    '@skip on every root field',
    `query($y: Boolean!) { measures @skip(if: $y) { totalCount } }`,
    { y: true },
  ],
  [
    'inline fragments on Node, __typename everywhere',
    `query($id: ID!) { __typename measure(id: $id) { __typename ... on Node { id __typename } ... on Measure { title }
      targets(first: 2) { __typename pageInfo { __typename } edges { __typename node { __typename ... on Node { id } country { __typename ... on Node { id } } } } } } }`,
    { id: '@fr3' },
  ],
  [
    '__proto__ and constructor aliases',
    `{ __proto__: measures(first: 1) { totalCount } constructor: __typename toString: country(code: "fr") { __proto__: name } }`,
    {},
  ],
  [
    'every filter field',
    `query($p: ID!) { measures(first: 50, filter: { imposedBy: ["fr", "FR", "fR"], targetCountry: ["ru", "is", "RU"], kind: [ENTRY_BAN, ENTRY_BAN, ASSET_FREEZE],
      status: [IN_FORCE, LIFTED, IN_FORCE], announcedFrom: "2022-01-01", announcedTo: "2022-12-31", targetsOfficial: $p, text: "measure" }) { totalCount edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }`,
    { p: '@person50' },
  ],
  [
    'empty lists in the filter',
    `{ a: measures(filter: { imposedBy: [] }) { totalCount edges { cursor } } b: measures(filter: { kind: [], status: [], targetCountry: [] }) { totalCount } }`,
    {},
  ],
  [
    'text search with quotes, OR, -not',
    `{ measures(first: 100, filter: { text: "\\"FR measure\\" OR hundred -late" }) { totalCount edges { node { title } } } }`,
    {},
  ],
  [
    'text search with special characters',
    `query($t: String!) { measures(first: 100, filter: { text: $t }) { totalCount edges { node { title } } } }`,
    { t: `O'Brien \\ "dq 😀 é` },
  ],
  [
    'text search blank',
    `{ measures(first: 3, filter: { text: "   " }) { totalCount edges { node { title } } } }`,
    {},
  ],
  [
    'dates equal from/to',
    `{ measures(first: 100, filter: { announcedFrom: "2022-03-15", announcedTo: "2022-03-15" }) { totalCount edges { cursor node { title announcedOn } } } }`,
    {},
  ],
  [
    'first: 0 everywhere',
    `{ measures(first: 0) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor } }
      country(code: "FR") { measuresImposed(first: 0) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`,
    {},
  ],
  [
    'last: 0 and last without before',
    `{ a: measures(last: 0) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
      b: measures(last: 3, filter: { imposedBy: ["FR"] }, orderBy: { field: TARGET_COUNT, direction: ASC }) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { title targetCount } } }
      c: measures(last: 100, filter: { imposedBy: ["FR"] }, orderBy: { field: CREATED_AT, direction: DESC }) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { createdAt } } } }`,
    {},
  ],
  [
    'country with null region, late country, measures of both',
    `{ aq: country(code: "aq") { id code alpha3 name region measuresImposed { totalCount edges { node { title imposedBy { code name region } targetCountry { id code name region } } } } }
      qz: country(code: "QZ") { id name region measuresImposed { totalCount edges { node { title imposedBy { code name region } } } } measuresReceived { totalCount } } }`,
    {},
  ],
  [
    'late country through measure links',
    `query($id: ID!) { measure(id: $id) { imposedBy { code id } targetCountry { code name alpha3 region } targets { edges { node { name } } } } }`,
    { id: '@late' },
  ],
  [
    'official: every field and measures in every order',
    `query($p: ID!) { official(id: $p) { ${OF}
      a: measures(first: 3, orderBy: { field: CREATED_AT, direction: ASC }) { totalCount edges { cursor node { title createdAt } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
      b: measures(last: 3, orderBy: { field: TARGET_COUNT, direction: DESC }) { totalCount edges { cursor node { title targetCount } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
      c: measures(first: 5) { edges { cursor node { targets(last: 2) { edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage } } } } } } }`,
    { p: '@person50' },
  ],
  [
    'deep links: inResponseTo, responses, statements',
    `query($id: ID!) { measure(id: $id) { responses { id title inResponseTo { id responses { title statements { id } } } statements { issuer } }
      statements { issuer quotes country { code measuresImposed(first: 2, orderBy: { field: CREATED_AT, direction: DESC }) { edges { cursor node { title } } } } } } }`,
    { id: '@fr0' },
  ],
  [
    'four-level nested connections',
    `{ country(code: "fr") { measuresImposed(first: 3, orderBy: { field: TARGET_COUNT, direction: DESC }) { totalCount pageInfo { endCursor hasNextPage }
      edges { cursor node { title targets(first: 3) { totalCount edges { cursor node { name measures(last: 2, orderBy: { field: ANNOUNCED_ON, direction: ASC }) { totalCount edges { cursor node { title
      targets(last: 2) { totalCount pageInfo { hasPreviousPage startCursor } edges { cursor node { id country { code measuresReceived(first: 1) { totalCount edges { node { title } } } } } } } } } } } } } } } } } }`,
    {},
  ],
  [
    'country measuresReceived with filters',
    `{ country(code: "is") { measuresReceived(first: 10, filter: { imposedBy: ["FR", "AQ"], kind: [AID, OTHER] }, orderBy: { field: CREATED_AT, direction: ASC }) { totalCount edges { cursor node { title kind createdAt } } } } }`,
    {},
  ],
  [
    'wrong variable types',
    `query($f: Int, $c: String!) { measures(first: $f) { totalCount } country(code: $c) { name } }`,
    { f: 'ten', c: 5 },
  ],
  [
    'wrong variable type: list of enums',
    `query($k: [MeasureKind!]) { measures(filter: { kind: $k }) { totalCount } }`,
    { k: ['NOPE'] },
  ],
  [
    'unused variable of wrong type',
    `query($x: Int) { measures(first: 1) { totalCount } }`,
    { x: 'no' },
  ],
  [
    'missing required variable',
    `query($x: Boolean!) { measures(first: 1) { totalCount @include(if: $x) } }`,
    {},
  ],
  ['null for a non-null variable', `query($id: ID!) { measure(id: $id) { id } }`, { id: null }],
  [
    'variable coercion: single value to list',
    `query($c: [String!]) { measures(first: 3, filter: { imposedBy: $c }) { totalCount edges { node { title } } } }`,
    { c: 'fr' },
  ],
  [
    'mixing covered and uncovered fields',
    `query($id: ID!) { measure(id: $id) { title sources { title } } measures(first: 2) { totalCount } }`,
    { id: '@fr0' },
  ],
  [
    'uncovered nested: official statements',
    `query($p: ID!) { official(id: $p) { name statements { totalCount } } }`,
    { p: '@person0' },
  ],
  ['ID of the wrong type', `query($p: ID!) { measure(id: $p) { id } }`, { p: '@person0' }],
  [
    'first over 100 nested',
    `query($id: ID!) { measure(id: $id) { targets(first: 101) { totalCount } } }`,
    { id: '@big' },
  ],
  ['first and last together', `{ measures(first: 1, last: 1) { totalCount } }`, {}],
  [
    'cursor of another order',
    `query($c: String!) { measures(after: $c, orderBy: { field: CREATED_AT, direction: ASC }) { totalCount } }`,
    { c: Buffer.from('["measure:ANNOUNCED_ON","2022-01-01",1]').toString('base64url') },
  ],
  [
    'cursor of another list (targets cursor on measures)',
    `query($c: String!) { measures(after: $c) { totalCount } }`,
    { c: Buffer.from('["target:POSITION",3]').toString('base64url') },
  ],
  [
    'nonexistent measure with bad nested args',
    `{ measure(id: "TWVhc3VyZTo5OTk5OTk") { targets(first: 101) { totalCount } } }`,
    {},
  ],
  [
    'country code lower case and invalid',
    `{ a: country(code: "fr") { name } b: country(code: "ZZ") { name } }`,
    {},
  ],
  ['unknown country in filter', `{ measures(filter: { imposedBy: ["zz"] }) { totalCount } }`, {}],
  [
    'late-seeded country in filter',
    `{ measures(filter: { imposedBy: ["QZ"] }) { totalCount } }`,
    {},
  ],
  [
    'announcedTo before announcedFrom',
    `{ measures(filter: { announcedFrom: "2022-02-01", announcedTo: "2022-01-01" }) { totalCount } }`,
    {},
  ],
  [
    'invalid date literal',
    `{ measures(filter: { announcedFrom: "2022-02-30" }) { totalCount } }`,
    {},
  ],
  [
    'text filter too long',
    `query($t: String) { measures(filter: { text: $t }) { totalCount } }`,
    { t: 'x'.repeat(201) },
  ],
  [
    'text filter with control character',
    `query($t: String) { measures(filter: { text: $t }) { totalCount } }`,
    { t: 'a\u0001b' },
  ],
];

test.each(CASES)('%s', async (name, query, variables) => {
  const { a, b } = await both(name, query, sub(variables));
  expect(a).toEqual(b);
});

function manyFields(n: number): string {
  return Array.from({ length: n }, (_, i) => `f${i}: title`).join(' ');
}

test.each([
  ['50 keys in one object', 50],
  ['51 keys in one object', 51],
  ['50 keys at the root', -50],
] as const)('%s', async (name, n) => {
  const query =
    n > 0
      ? `query($id: ID!) { measure(id: $id) { ${manyFields(n)} } }`
      : `query($id: ID!) { ${Array.from({ length: -n }, (_, i) => `r${i}: measure(id: $id) { title }`).join(' ')} }`;
  const { a, b } = await both(name, query, { id: ids.fr3 });
  expect(a).toEqual(b);
});

test('operationName chooses one of several operations', async () => {
  const doc = `query A { measures(first: 2) { edges { node { title } } } }
    query B($id: ID!) { measure(id: $id) { title sources { title } } }
    query C { country(code: "fr") { name } }
    mutation D { addOfficial(input: { name: "x", country: "RU", category: OTHER }) { id } }
    subscription E { measureAdded { id } }`;
  for (const [op, vars] of [
    ['A', {}],
    ['B', { id: ids.fr0 }],
    ['C', {}],
    ['D', {}],
    ['E', {}],
    ['Nope', {}],
    [undefined, {}],
  ] as const) {
    const { a, b } = await both(`operationName ${op}`, doc, vars, op);
    expect({ op, ...a }).toEqual({ op, ...b });
  }
});

const ORDERS = ['ANNOUNCED_ON', 'CREATED_AT', 'TARGET_COUNT'].flatMap((f) =>
  ['ASC', 'DESC'].map((d) => `{ field: ${f}, direction: ${d} }`),
);

test.each(ORDERS.map((o) => [o] as const))(
  'root and nested pages in order %s, cursors crossed between the paths',
  async (order) => {
    const root = `query($first: Int, $after: String, $last: Int, $before: String) {
      measures(first: $first, after: $after, last: $last, before: $before, orderBy: ${order}, filter: { imposedBy: ["FR", "AQ"] }) {
        totalCount edges { cursor node { title announcedOn createdAt targetCount } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const nested = `query($first: Int, $after: String, $last: Int, $before: String) { country(code: "fr") {
      measuresImposed(first: $first, after: $after, last: $last, before: $before, orderBy: ${order}) {
        totalCount edges { cursor node { title targets(first: 2) { edges { cursor node { name } } } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
    const viaOfficial = `query($p: ID!, $first: Int, $after: String, $last: Int, $before: String) { official(id: $p) {
      measures(first: $first, after: $after, last: $last, before: $before, orderBy: ${order}) {
        totalCount edges { cursor node { title } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
    for (const [label, query, pick, extra] of [
      ['root', root, (d: any) => d.measures, {}],
      ['country', nested, (d: any) => d.country.measuresImposed, {}],
      ['official', viaOfficial, (d: any) => d.official.measures, { p: ids.person50 }],
    ] as const) {
      // Forward with planner cursors given to both; backward with resolver cursors given to both.
      let after: string | undefined;
      for (let i = 0; i < 40; i++) {
        const { a, b } = await both(`${label} ${order} first 7 after`, query, {
          ...extra,
          first: 7,
          after,
        });
        expect(a).toEqual(b);
        const info = pick(JSON.parse(a.text).data).pageInfo;
        if (!info.hasNextPage) break;
        after = info.endCursor;
      }
      let before: string | undefined;
      for (let i = 0; i < 40; i++) {
        const { a, b } = await both(`${label} ${order} last 6 before`, query, {
          ...extra,
          last: 6,
          before,
        });
        expect(a).toEqual(b);
        const info = pick(JSON.parse(b.text).data).pageInfo;
        if (!info.hasPreviousPage) break;
        before = info.startCursor;
      }
      // Odd combinations around one cursor.
      const mid = pick(
        JSON.parse((await post(resolved, { query, variables: { ...extra, first: 30 } })).text).data,
      );
      const c1 = mid.edges[3]?.cursor;
      const c2 = mid.edges[20]?.cursor;
      for (const v of [
        { first: 5, before: c2 },
        { last: 5, after: c1 },
        { first: 50, after: c1, before: c2 },
        { last: 50, after: c1, before: c2 },
        { first: 0, after: c1 },
        { last: 0, before: c2 },
        { after: c2, before: c1 },
        { last: 3 },
      ]) {
        const { a, b } = await both(`${label} ${order} ${JSON.stringify(Object.keys(v))}`, query, {
          ...extra,
          ...v,
        });
        expect(a).toEqual(b);
      }
    }
  },
  60_000,
);

test('GET, graphql-response+json, a bad bearer key, extensions in the body', async () => {
  const q = '{ measures(first: 2) { totalCount edges { node { title } } } }';
  const variants: [string, RequestInit, string][] = [
    [
      'GET',
      { method: 'GET', headers: { 'apollo-require-preflight': 'true' } },
      `?query=${encodeURIComponent(q)}`,
    ],
    [
      'accept graphql-response+json',
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
        },
        body: JSON.stringify({ query: q }),
      },
      '',
    ],
    [
      'bad bearer',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
        body: JSON.stringify({ query: q }),
      },
      '',
    ],
    [
      'extensions',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: q, extensions: { foo: 1 } }),
      },
      '',
    ],
  ];
  for (const [label, init, suffix] of variants) {
    const get = async (s: TestServer) => {
      const r = await fetch(s.url + suffix, init);
      const h = [...r.headers.entries()].filter(
        ([k]) =>
          !['date', 'x-request-id', 'content-length', 'keep-alive', 'connection'].includes(k),
      );
      return { status: r.status, h, text: (await r.text()).replace(/"requestId":"[^"]+"/g, '') };
    };
    const a = await get(planned);
    const b = await get(resolved);
    expect({ label, ...a }).toEqual({ label, ...b });
  }
});

test('targets paged both ways with crossed cursors', async () => {
  const q = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { measure(id: $id) {
    targets(first: $first, after: $after, last: $last, before: $before) { totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
  let after: string | undefined;
  for (let i = 0; i < 30; i++) {
    const { a, b } = await both('targets first 9', q, { id: ids.big, first: 9, after });
    expect(a).toEqual(b);
    const info = JSON.parse(a.text).data.measure.targets.pageInfo;
    if (!info.hasNextPage) break;
    after = info.endCursor;
  }
  let before: string | undefined;
  for (let i = 0; i < 30; i++) {
    const { a, b } = await both('targets last 9', q, { id: ids.big, last: 9, before });
    expect(a).toEqual(b);
    const info = JSON.parse(b.text).data.measure.targets.pageInfo;
    if (!info.hasPreviousPage) break;
    before = info.startCursor;
  }
});

test('the probes reach both paths: the planner answers most, and declines some', async () => {
  // Its own probes (every case above), so that it holds whichever tests ran before it.
  const paths: boolean[] = [];
  for (const [name, query, variables] of CASES) {
    const { a, b, byPlanner } = await both(name, query, sub(variables));
    expect({ name, ...a }).toEqual({ name, ...b });
    paths.push(byPlanner);
  }
  const planner = paths.filter(Boolean).length;
  expect(planner).toBeGreaterThan(paths.length / 2);
  expect(paths.length - planner).toBeGreaterThan(10);
});
