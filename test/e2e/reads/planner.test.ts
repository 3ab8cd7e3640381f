import { cleanUp } from '../../helpers/cleanup';
import { insertMeasure, insertOfficial, insertStatement } from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';
import { statementsDuring } from '../../helpers/statements';

/**
 * The read planner answers the queries it covers with one SQL statement; the resolvers answer
 * everything. Both must give the same bytes: two servers on one database, one with the planner
 * and one without, get the same requests, and every answer is compared as text.
 */
let planned: TestServer;
let resolved: TestServer;
const ids: Record<string, string> = {};

beforeAll(async () => {
  planned = await startTestServer({ readPlanner: true });
  resolved = await startTestServer({ readPlanner: false }, planned.db);
  const db = planned.db;
  const people = [];
  for (const [i, name] of [
    'Ана Петрова',
    'O\'Brien "Quote" \\ Back',
    'Zoë Ünal',
    'Li Wei',
  ].entries()) {
    people.push(
      await insertOfficial(db, {
        name,
        country: i % 2 ? 'CN' : 'RU',
        nativeName: i === 0 ? 'Анна' : undefined,
        aliases: i === 1 ? ['A, B', 'ÿ'] : [],
      }),
    );
  }
  ids.person = people[0]!.globalId;
  ids.person2 = people[1]!.globalId;
  const first = await insertMeasure(db, {
    title: 'Base measure — with “quotes” and \\ backslash',
    imposedBy: 'NZ',
    targetCountry: 'RU',
    announcedOn: '2023-02-01',
    summary: 'Line one\nline two\ttab',
    targets: people.map((p) => p.id),
  });
  ids.first = first.globalId;
  for (let i = 0; i < 9; i++) {
    await insertMeasure(db, {
      title: `NZ measure ${i}`,
      kind: i % 3 ? 'ENTRY_BAN' : 'SANCTIONS_PACKAGE',
      imposedBy: 'NZ',
      targetCountry: i % 2 ? 'RU' : null,
      // Ties on the date, so the id decides the order.
      announcedOn: i < 5 ? '2023-03-01' : `2023-0${(i % 4) + 4}-15`,
      targets: people.slice(0, i % 4).map((p) => p.id),
      inResponseTo: i === 4 ? first.id : undefined,
      createdAt: `2023-05-0${(i % 3) + 1}T10:00:00.${100 + i}Z`,
    });
  }
  await insertStatement(db, { country: 'NZ', issuedOn: '2023-02-02', measures: [first.id] });
  await insertStatement(db, {
    country: 'RU',
    issuedOn: '2023-02-01',
    issuer: 'МИД',
    measures: [first.id],
    speaker: people[0]!.id,
  });
});
afterAll(cleanUp);

async function answer(server: TestServer, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, text: await response.text() };
}

const MEASURE_FIELDS = `id __typename title kind summary announcedOn announcedOnPrecision
  targetCount indefinite status effectiveFrom expiresOn liftedOn createdAt updatedAt
  imposedBy { id code alpha3 name region } targetCountry { code name } beneficiaryCountry { code }`;

/**
 * Queries the planner covers: each must be one statement, and the same answer as the resolvers'.
 * Every row has its variables (jest's test.each would pass `done` in place of a missing one).
 */
const COVERED: [string, string, Record<string, unknown>?][] = [
  [
    'the front page (bench Q1)',
    `{ measures(first: 50) { edges { node { id title kind announcedOn targetCount
      imposedBy { code name } targetCountry { code name }
      targets(first: 10) { edges { node { name category country { code } } } } } } } }`,
  ],
  [
    'a country page (bench Q2)',
    `query($code: String!) { country(code: $code) { name region
      measuresImposed(first: 20, filter: { kind: [SANCTIONS_PACKAGE, ENTRY_BAN] }) { totalCount
        edges { node { title announcedOn targetCount targetCountry { code } statements { issuer issuedOn } } } }
      measuresReceived(first: 20) { edges { node { title announcedOn imposedBy { code name } } } } } }`,
    { code: 'nz' },
  ],
  [
    "an official's record (bench Q3)",
    `query($id: ID!) { official(id: $id) { name position category country { code name }
      measures(first: 20) { totalCount edges { node { title kind announcedOn targetCount imposedBy { code name } } } } } }`,
    { id: 'PERSON' },
  ],
  [
    'every measure field',
    `{ measures(first: 100) { totalCount edges { cursor node { ${MEASURE_FIELDS} } } } }`,
  ],
  [
    'every page info field, forward and backward, with a filter and an order',
    `{ a: measures(first: 3, filter: { imposedBy: ["NZ"] }, orderBy: { field: CREATED_AT, direction: ASC }) {
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename } edges { cursor __typename } __typename }
      b: measures(last: 4, orderBy: { field: TARGET_COUNT, direction: DESC }) {
        totalCount pageInfo { startCursor endCursor hasPreviousPage hasNextPage } edges { node { title targetCount } } }
      c: measures(first: 0) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor } }
      d: measures(filter: { kind: [AID] }) { totalCount edges { cursor } pageInfo { startCursor hasNextPage } }
      e: measures { totalCount } f: measures(last: 2) { pageInfo { hasNextPage } }
      g: measures(filter: { kind: [AID] }) { ... on MeasureConnection { totalCount } } }`,
  ],
  [
    'a measure with its links, fragments, aliases, @include and @skip',
    `query($id: ID!, $yes: Boolean!, $no: Boolean!) { measure(id: $id) { ...M
      again: title @include(if: $yes) hidden: title @skip(if: $yes) kept: title @skip(if: $no)
      statements { id issuer issuedOn issuedOnPrecision title text quotes language createdAt updatedAt country { id code } __typename }
      responses { id title inResponseTo { id title } }
      targets(first: 2) { totalCount edges { cursor node { id name nativeName aliases position category wikidataId } } pageInfo { hasNextPage endCursor } }
      ... on Measure { imposedBy { measuresImposed(first: 2) { totalCount edges { node { title } } } } } } }
    fragment M on Measure { id title ... on Node { id } }`,
    { id: 'FIRST', yes: true, no: false },
  ],
  [
    'objects that do not exist are null',
    `{ measure(id: "TWVhc3VyZTo5OTk5OQ") { id } official(id: "T2ZmaWNpYWw6OTk5OTk") { name } country(code: "xx") { name } __typename }`,
  ],
  [
    'the founding example',
    `{ country(code: "ru") { measuresImposed(filter: {kind: [ENTRY_BAN]}) { totalCount edges { node { title
      targetCount indefinite announcedOn targets { edges { node { name } } } inResponseTo { title imposedBy { code } }
      statements { issuer quotes } } } } } }`,
  ],
  [
    'filters by date, status, official and text',
    `query($person: ID!) { measures(filter: { announcedFrom: "2023-03-01", announcedTo: "2023-06-30",
        status: [IN_FORCE], targetsOfficial: $person, targetCountry: ["ru"] }) { totalCount edges { node { title } } }
      byText: measures(filter: { text: "measure" }, first: 3) { totalCount edges { node { title } } } }`,
    { person: 'PERSON2' },
  ],
];

const withIds = (variables?: Record<string, unknown>) =>
  variables &&
  Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [
      key,
      value === 'PERSON'
        ? ids.person
        : value === 'PERSON2'
          ? ids.person2
          : value === 'FIRST'
            ? ids.first
            : value,
    ]),
  );

test.each(COVERED.map(([name, query, variables]) => [name, query, variables ?? {}] as const))(
  '%s: one statement, the same answer',
  async (_name, query, variables) => {
    let fromPlanner!: { status: number; text: string };
    const statements = await statementsDuring(async () => {
      fromPlanner = await answer(planned, query, withIds(variables));
    });
    const fromResolvers = await answer(resolved, query, withIds(variables));
    expect(fromPlanner.status).toBe(200);
    expect(JSON.parse(fromPlanner.text).errors).toBeUndefined();
    expect(fromPlanner.text).toBe(fromResolvers.text);
    expect(statements).toHaveLength(1);
  },
);

test('paging through every measure both ways gives the same pages and interchangeable cursors', async () => {
  const page = `query($first: Int, $after: String, $last: Int, $before: String) {
    measures(first: $first, after: $after, last: $last, before: $before, orderBy: { field: ANNOUNCED_ON, direction: ASC }) {
      edges { cursor node { title } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const a = await answer(planned, page, { first: 3, after });
    const b = await answer(resolved, page, { first: 3, after });
    expect(a.text).toBe(b.text);
    const info = JSON.parse(a.text).data.measures.pageInfo;
    pages += 1;
    if (!info.hasNextPage) break;
    after = info.endCursor;
  }
  expect(pages).toBeGreaterThan(3);
  let before: string | undefined;
  for (;;) {
    const a = await answer(planned, page, { last: 4, before });
    const b = await answer(resolved, page, { last: 4, before });
    expect(a.text).toBe(b.text);
    const info = JSON.parse(a.text).data.measures.pageInfo;
    if (!info.hasPreviousPage) break;
    before = info.startCursor;
  }
});

test('what the planner does not cover, and every error, is answered by the resolvers', async () => {
  const cases: [string, Record<string, unknown>?][] = [
    ['{ measures { edges { node { sources { title url } } } } }'],
    ['{ countries(first: 3) { edges { node { code } } } }'],
    ['{ measures(first: 101) { totalCount } }'],
    ['{ measures(after: "nonsense") { totalCount } }'],
    ['{ country(code: "toolong") { name } }'],
    ['query($id: ID!) { measure(id: $id) { id } }', { id: 'not-an-id' }],
    ['{ measures(filter: { imposedBy: ["QQ"] }) { totalCount } }'],
  ];
  for (const [query, variables] of cases) {
    const a = await answer(planned, query, variables);
    const b = await answer(resolved, query, variables);
    expect({ query, status: a.status }).toEqual({ query, status: b.status });
    // Request ids differ; everything else is the same.
    expect(a.text.replace(/"requestId":"[^"]+"/g, '')).toBe(
      b.text.replace(/"requestId":"[^"]+"/g, ''),
    );
  }
});

test('the database refuses values neither path could serve (dates past 9999 or BC, NULL in lists)', async () => {
  const db = planned.db;
  const refused = async (sql: string) =>
    db.query(sql).then(
      () => 'stored',
      (error: { code?: string }) => error.code,
    );
  // check_violation (23514): the Date and DateTime scalars write years 0001-9999 only, and
  // aliases and quotes are lists of non-null strings.
  const statements = [
    `UPDATE measure SET announced_on = '12000-01-01' WHERE id = (SELECT min(id) FROM measure)`,
    `UPDATE measure SET expires_on = '0044-03-15 BC' WHERE id = (SELECT min(id) FROM measure)`,
    `UPDATE measure SET created_at = '12000-01-01T00:00:00Z' WHERE id = (SELECT min(id) FROM measure)`,
    `UPDATE official SET aliases = ARRAY['ok', NULL] WHERE id = (SELECT min(id) FROM official)`,
    `UPDATE statement SET quotes = ARRAY[NULL] WHERE id = (SELECT min(id) FROM statement)`,
    `UPDATE measure SET announced_on = '9999-12-31' WHERE id = (SELECT max(id) FROM measure)`,
  ];
  const outcomes: unknown[] = [];
  // One after another: one connection runs one statement at a time.
  for (const sql of statements) outcomes.push(await refused(sql));
  expect(outcomes).toEqual(['23514', '23514', '23514', '23514', '23514', 'stored']);
});
