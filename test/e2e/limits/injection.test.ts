import { decodeIntId } from '../../../src/common/global-id';
import { cleanUp } from '../../helpers/cleanup';
import {
  ADD_MEASURE,
  ADD_STATEMENT,
  insertMeasure,
  insertOfficial,
  insertStatement,
  type OfficialRow,
} from '../../helpers/fixtures';
import {
  CRAFTED_IDS,
  errorsOf,
  expectNoLeaks,
  type HostileTarget,
  PAYLOADS,
  rawId,
  startHostileTarget,
} from '../../helpers/hostile';
import {
  type GraphQLResponse,
  NO_RATE_LIMIT,
  startTestServer,
  type TestServer,
} from '../../helpers/server';
import { connect } from '../../helpers/ws';
import { sleep } from '../../helpers/wait';

/**
 * SQL injection and LIKE-wildcard strings, against a server in production mode: in every string
 * argument of the subscriptions and of nested connections, and in every string field of the
 * mutations. Each is refused by name or searched as text, no statement runs it, and after each
 * case a fresh connection still receives a newly added measure and every table is still there.
 */
let target: HostileTarget;
let server: TestServer;
const stillLive = () => target.stillLive();
let editor: string;
let official: OfficialRow;
let fixtureMeasureId: string;
const addMeasure = (overrides: Record<string, unknown> = {}) => target.addMeasure(overrides);
const tableCounts = () => target.tableCounts();
const tablesIntact = () => target.tablesIntact();

const cursor = (...parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
/** A cursor of the countries list, positioned at `code`. */
const countryCursor = (code: string) => cursor('country:CODE', code);

beforeAll(async () => {
  target = await startHostileTarget({ livePollMs: 200 }, async ({ db }) => {
    official = await insertOfficial(db, {
      name: 'Injection Target',
      country: 'RU',
      aliases: ['Plain alias'],
    });
    // Names with the characters LIKE treats as wildcards or escapes.
    for (const name of ['Percent 100% Sure', 'Under_Score Name', 'Back\\Slash Name'])
      await insertOfficial(db, { name, country: 'RU' });
    const measure = await insertMeasure(db, {
      title: 'Fixture freeze',
      imposedBy: 'GB',
      targetCountry: 'RU',
      announcedOn: '2024-01-01',
      targets: [official.id],
    });
    fixtureMeasureId = measure.globalId;
    await insertStatement(db, {
      country: 'RU',
      issuedOn: '2024-01-02',
      speaker: official.id,
      measures: [measure.id],
    });
  });
  ({ server, editor } = target);
});
afterEach(() => target.subscriptionsEnded());
afterAll(cleanUp);

describe('over graphql-ws: injection strings in subscription arguments', () => {
  interface WsCase {
    name: string;
    type: string;
    /** The subscription's selection, with `v` standing for the string. */
    select: (v: string) => string;
    field: string;
    values: string[];
  }
  const WS_CASES: WsCase[] = [
    {
      name: 'measureAdded(filter.imposedBy)',
      type: 'String!',
      select: (v) => `measureAdded(filter: { imposedBy: ["GB", ${v}] }) { id }`,
      field: 'filter.imposedBy[1]',
      values: PAYLOADS,
    },
    {
      name: 'measureAdded(filter.targetCountry)',
      type: 'String!',
      select: (v) => `measureAdded(filter: { targetCountry: [${v}] }) { id }`,
      field: 'filter.targetCountry[0]',
      values: PAYLOADS,
    },
    {
      name: 'measureAdded(filter.targetsOfficial)',
      type: 'ID',
      select: (v) => `measureAdded(filter: { targetsOfficial: ${v} }) { id }`,
      field: 'filter.targetsOfficial',
      values: [...PAYLOADS, ...CRAFTED_IDS],
    },
    {
      name: 'measureAdded(since)',
      type: 'ID',
      select: (v) => `measureAdded(since: ${v}) { id }`,
      field: 'since',
      values: [...PAYLOADS, ...CRAFTED_IDS, rawId('Statement', '1')],
    },
    {
      name: 'measureUpdated(filter.imposedBy)',
      type: 'String!',
      select: (v) => `measureUpdated(filter: { imposedBy: [${v}] }) { id }`,
      field: 'filter.imposedBy[0]',
      values: PAYLOADS,
    },
    {
      name: 'statementAdded(country)',
      type: 'String!',
      select: (v) => `statementAdded(country: ["RU", ${v}]) { id }`,
      field: 'country[1]',
      values: PAYLOADS,
    },
    {
      name: 'statementAdded(since)',
      type: 'ID',
      select: (v) => `statementAdded(since: ${v}) { id }`,
      field: 'since',
      values: [...PAYLOADS, ...CRAFTED_IDS, rawId('Measure', '1')],
    },
  ];

  test.each(WS_CASES)(
    '$name: injection strings as variables and literals → BAD_USER_INPUT naming $field',
    async ({ type, select, field, values }) => {
      const client = connect(server.url);
      for (const value of values) {
        for (const [query, variables] of [
          [`subscription($v: ${type}) { ${select('$v')} }`, { v: value }],
          [`subscription { ${select(JSON.stringify(value))} }`, undefined],
        ] as const) {
          const started = Date.now();
          const errors = await errorsOf(client.subscribe(query, variables));
          expect(Date.now() - started).toBeLessThan(4000); // no pg_sleep ran
          expect(errors.map((e) => e.extensions)).toEqual([
            expect.objectContaining({ code: 'BAD_USER_INPUT', field }),
          ]);
          expectNoLeaks(errors);
        }
      }
      await stillLive();
    },
  );

  test('measureAdded(filter.text): injection strings are searched as text, exactly as the measures query searches', async () => {
    const since = target.lastMeasure;
    const client = connect(server.url);
    const query =
      'subscription($t: String, $since: ID) { measureAdded(filter: { text: $t }, since: $since) { id } }';
    // `since` replays what was committed before the server registered a subscription: no race.
    const subs = PAYLOADS.map((t) => client.subscribe(query, { t, since }));
    const probes: string[] = [];
    for (const payload of PAYLOADS) probes.push(await addMeasure({ title: `Probe ${payload}` }));
    const unrelated = await addMeasure({ title: 'Unrelated zebra crossing' });
    let matched = 0;
    for (const [i, payload] of PAYLOADS.entries()) {
      const http = await server.gql(
        'query($t: String) { measures(first: 100, filter: { text: $t }) { edges { node { id } } } }',
        { t: payload },
      );
      expect(http.errors).toBeUndefined();
      const found = new Set(
        (http.data.measures.edges as { node: { id: string } }[]).map((e) => e.node.id),
      );
      const expected = [...probes, unrelated].filter((probe) => found.has(probe));
      expect(expected).not.toContain(unrelated);
      matched += expected.length;
      const sub = subs[i]!;
      if (expected.length > 0) await sub.waitFor(expected.length, 10_000);
      await sleep(expected.length > 0 ? 50 : 300);
      expect(sub.failed).toBeUndefined();
      expect(sub.completed).toBe(false);
      expect(sub.events.flatMap((e) => e.errors ?? [])).toEqual([]);
      expect(sub.events.map((e) => e.data.measureAdded.id)).toEqual(expected);
    }
    // The strings were read as search terms: at least some matched the probes titled with them.
    expect(matched).toBeGreaterThan(0);
    await stillLive();
  });
});

describe('over HTTP: injection strings in nested connection arguments', () => {
  interface Named {
    name: string;
    nativeName: string | null;
    aliases: string[];
  }
  /** Whether an official's names contain `value` literally (the filter ignores case). */
  const contains = (official: Named, value: string) =>
    [official.name, official.nativeName ?? '', ...official.aliases]
      .join(' ')
      .toLowerCase()
      .includes(value.toLowerCase());
  const OFFICIAL_NODE = 'totalCount edges { node { name nativeName aliases } }';

  interface NestedCase {
    name: string;
    type: string;
    query: (v: string) => string;
    /** The argument an error must name. */
    field: string;
    /**
     * When the string may be accepted: checks the answer against the same query with null in
     * its place. Without it, every string must be refused.
     */
    accepted?: (data: any, value: string, reference: any) => void;
  }
  /** A name filter matches only officials whose names contain the string itself. */
  const nameFilter = (officialsOf: (data: any) => any[]) => (data: any, value: string) => {
    for (const connection of officialsOf(data)) {
      expect(connection.totalCount).toBe(connection.edges.length);
      for (const { node } of connection.edges) expect(contains(node, value)).toBe(true);
    }
  };
  /** Full text over January's measures: none contains these words. */
  const textFilter = (totalsOf: (data: any) => number[]) => (data: any) =>
    expect(totalsOf(data).every((n) => n === 0)).toBe(true);
  /** A cursor that decodes is only a position: the list (its totalCount) is the same. */
  const cursorOnly =
    (totalsOf: (data: any) => number[]) => (data: any, _: string, reference: any) =>
      expect(totalsOf(data)).toEqual(totalsOf(reference));

  const officialId = () => official.globalId;
  const CASES: NestedCase[] = [
    {
      name: 'Country.officials(filter.name)',
      type: 'String',
      query: (v) =>
        `country(code: "RU") { officials(filter: { name: ${v} }) { ${OFFICIAL_NODE} } }`,
      field: 'filter.name',
      accepted: nameFilter((d) => [d.country.officials]),
    },
    {
      name: 'Country.officials(filter.country)',
      type: 'String!',
      query: (v) => `country(code: "RU") { officials(filter: { country: [${v}] }) { totalCount } }`,
      field: 'filter.country[0]',
    },
    {
      name: 'Country.officials(after)',
      type: 'String',
      query: (v) => `country(code: "RU") { officials(after: ${v}) { totalCount } }`,
      field: 'after',
      accepted: cursorOnly((d) => [d.country.officials.totalCount]),
    },
    {
      name: 'Country.officials(before)',
      type: 'String',
      query: (v) => `country(code: "RU") { officials(before: ${v}, last: 2) { totalCount } }`,
      field: 'before',
      accepted: cursorOnly((d) => [d.country.officials.totalCount]),
    },
    ...(['measuresReceived', 'measuresImposed'] as const).flatMap((connection): NestedCase[] => {
      const code = connection === 'measuresReceived' ? 'RU' : 'GB';
      const totals = (d: any) => [d.country[connection].totalCount];
      return [
        {
          name: `Country.${connection}(filter.text)`,
          type: 'String',
          query: (v) =>
            `country(code: "${code}") { ${connection}(filter: { text: ${v}, announcedTo: "2024-01-31" }) { totalCount edges { node { id } } } }`,
          field: 'filter.text',
          accepted: textFilter((d) => [...totals(d), d.country[connection].edges.length]),
        },
        {
          name: `Country.${connection}(filter.imposedBy)`,
          type: 'String!',
          query: (v) =>
            `country(code: "${code}") { ${connection}(filter: { imposedBy: [${v}] }) { totalCount } }`,
          field: 'filter.imposedBy[0]',
        },
        {
          name: `Country.${connection}(filter.targetCountry)`,
          type: 'String!',
          query: (v) =>
            `country(code: "${code}") { ${connection}(filter: { targetCountry: ["JP", ${v}] }) { totalCount } }`,
          field: 'filter.targetCountry[1]',
        },
        {
          name: `Country.${connection}(filter.targetsOfficial)`,
          type: 'ID',
          query: (v) =>
            `country(code: "${code}") { ${connection}(filter: { targetsOfficial: ${v} }) { totalCount } }`,
          field: 'filter.targetsOfficial',
        },
        {
          name: `Country.${connection}(after)`,
          type: 'String',
          query: (v) => `country(code: "${code}") { ${connection}(after: ${v}) { totalCount } }`,
          field: 'after',
          accepted: cursorOnly(totals),
        },
        {
          name: `Country.${connection}(before)`,
          type: 'String',
          query: (v) =>
            `country(code: "${code}") { ${connection}(before: ${v}, last: 1) { totalCount } }`,
          field: 'before',
          accepted: cursorOnly(totals),
        },
      ];
    }),
    {
      name: 'Country.statements(after)',
      type: 'String',
      query: (v) => `country(code: "RU") { statements(after: ${v}) { totalCount } }`,
      field: 'after',
      accepted: cursorOnly((d) => [d.country.statements.totalCount]),
    },
    {
      name: 'Official.measures(after)',
      type: 'String',
      query: (v) =>
        `official(id: "${officialId()}") { measures(after: ${v}) { totalCount edges { node { id } } } }`,
      field: 'after',
      accepted: cursorOnly((d) => [d.official.measures.totalCount]),
    },
    {
      name: 'Official.measures(before)',
      type: 'String',
      query: (v) =>
        `official(id: "${officialId()}") { measures(before: ${v}, last: 1, orderBy: { field: TARGET_COUNT, direction: ASC }) { totalCount } }`,
      field: 'before',
      accepted: cursorOnly((d) => [d.official.measures.totalCount]),
    },
    {
      name: 'Official.statements(before)',
      type: 'String',
      query: (v) =>
        `official(id: "${officialId()}") { statements(before: ${v}, last: 1) { totalCount } }`,
      field: 'before',
      accepted: cursorOnly((d) => [d.official.statements.totalCount]),
    },
    {
      name: 'Measure.targets(after)',
      type: 'String',
      query: (v) => `measure(id: "${fixtureMeasureId}") { targets(after: ${v}) { totalCount } }`,
      field: 'after',
      accepted: cursorOnly((d) => [d.measure.targets.totalCount]),
    },
    {
      name: 'Measure.targets(before)',
      type: 'String',
      query: (v) =>
        `measure(id: "${fixtureMeasureId}") { targets(before: ${v}, last: 1) { totalCount } }`,
      field: 'before',
      accepted: cursorOnly((d) => [d.measure.targets.totalCount]),
    },
    {
      name: 'countries { officials(filter.name) } (one statement for many parents)',
      type: 'String',
      query: (v) =>
        `countries(first: 10, after: "${countryCursor('RN')}") { edges { node { officials(first: 20, filter: { name: ${v} }) { ${OFFICIAL_NODE} } } } }`,
      field: 'filter.name',
      accepted: nameFilter((d) => d.countries.edges.map((e: any) => e.node.officials)),
    },
    {
      name: 'countries { measuresReceived(filter.text) } (one statement for many parents)',
      type: 'String',
      query: (v) =>
        `countries(first: 50) { edges { node { measuresReceived(first: 5, filter: { text: ${v}, announcedTo: "2024-01-31" }) { totalCount } } } }`,
      field: 'filter.text',
      accepted: textFilter((d) =>
        d.countries.edges.map((e: any) => e.node.measuresReceived.totalCount),
      ),
    },
    {
      name: 'countries { measuresImposed(after) } (one statement for many parents)',
      type: 'String',
      query: (v) =>
        `countries(first: 50) { edges { node { measuresImposed(first: 5, after: ${v}) { totalCount } } } }`,
      field: 'after',
      accepted: cursorOnly((d) =>
        d.countries.edges.map((e: any) => e.node.measuresImposed.totalCount),
      ),
    },
  ];

  /** Cursors that decode, with an injection where a key or the list's name should be. */
  const CRAFTED_CURSORS = [
    cursor('measure:ANNOUNCED_ON', "2024-01-01'; DROP TABLE measure; --", 1),
    cursor('measure:ANNOUNCED_ON', '2024-01-01', '1 OR 1=1'),
    cursor('measure:ANNOUNCED_ON', '2024-01-01', 1, "'; DROP TABLE measure; --"),
    cursor("measure:ANNOUNCED_ON'; DROP TABLE measure; --", '2024-01-01', 1),
    cursor('official:NAME', "' OR '1'='1", 1),
    cursor('official:NAME', "'; DROP TABLE official; --", 2147483647),
    cursor('statement:ISSUED_ON', '2024-01-01', '1) OR (1=1'),
    cursor('target:POSITION', '1 OR 1=1'),
    cursor('country:CODE', "ZZ' OR 'a'='a"),
  ];

  test.each(CASES)('$name', async ({ type, query, field, accepted }) => {
    // The same list without the string, to compare an accepted answer with.
    const reference = accepted ? await server.gql(`{ ${query('null')} }`) : undefined;
    expect(reference?.errors).toBeUndefined();
    let refused = 0;
    for (const value of [...PAYLOADS, ...CRAFTED_IDS, ...CRAFTED_CURSORS]) {
      for (const [document, variables] of [
        [`query($v: ${type}) { ${query('$v')} }`, { v: value }],
        [`{ ${query(JSON.stringify(value))} }`, undefined],
      ] as const) {
        const started = Date.now();
        const response = await server.gql(document, variables);
        expect(Date.now() - started).toBeLessThan(4000); // no pg_sleep ran
        expectNoLeaks(response.errors ?? []);
        if (response.errors) {
          refused += 1;
          expect(response.errors.map((e) => e.extensions)).toEqual(
            response.errors.map(() => expect.objectContaining({ code: 'BAD_USER_INPUT', field })),
          );
        } else {
          if (!accepted) throw new Error(`${JSON.stringify(value)} was accepted`);
          accepted(response.data, value, reference!.data);
        }
      }
    }
    // Plain strings are never valid cursors, codes or IDs.
    if (!accepted || field === 'after' || field === 'before') expect(refused).toBeGreaterThan(0);
    await tablesIntact();
  });

  test('LIKE wildcards and backslashes in a nested name filter match only themselves', async () => {
    const names = async (name: string) => {
      const response = await server.gql(
        `query($v: String) { countries(first: 100, after: "${countryCursor('RO')}") { edges { node { code officials(first: 100, filter: { name: $v }) { edges { node { name } } } } } } }`,
        { v: name },
      );
      expect(response.errors).toBeUndefined();
      return (response.data.countries.edges as any[])
        .flatMap((e) => e.node.officials.edges as { node: { name: string } }[])
        .map((e) => e.node.name);
    };
    // Sanity: the cursor above starts right after RO, so RU is on the page.
    expect(await names('Injection')).toEqual(['Injection Target']);
    expect(await names('%')).toEqual(['Percent 100% Sure']);
    expect(await names('_')).toEqual(['Under_Score Name']);
    expect(await names('\\')).toEqual(['Back\\Slash Name']);
    expect(await names('%_%')).toEqual([]);
    expect(await names('\\S')).toEqual(['Back\\Slash Name']);
    await tablesIntact();
  });
});

describe('over HTTP: injection strings in every string field of the mutations', () => {
  const hex = (value: string) => Buffer.from(value, 'utf8').toString('hex');
  const bytesOf = async (sql: string, key: number): Promise<string[]> =>
    (await server.db.query<{ h: string }>(sql, [key])).map((row) => row.h);

  test.each(PAYLOADS)('addMeasure with %s everywhere', async (payload) => {
    const input = {
      kind: 'SANCTIONS_PACKAGE',
      title: payload,
      summary: `${payload}\n${payload}`,
      imposedBy: 'GB',
      targetCountry: 'RU',
      announcedOn: '2024-05-01',
      externalId: payload,
      sources: [
        {
          title: payload,
          publisher: payload,
          url: `https://example.org/?q=${encodeURIComponent(payload)}`,
        },
      ],
      newTargets: [
        {
          name: payload,
          nativeName: payload,
          aliases: [payload, `${payload} again`],
          position: payload,
          country: 'RU',
          category: 'OTHER',
        },
      ],
    };
    const selection =
      '{ id title summary sources { title publisher url } targets { edges { node { id name nativeName aliases position } } } }';
    const response = await server.gqlAs(
      editor,
      `mutation($input: AddMeasureInput!) { addMeasure(input: $input) ${selection} }`,
      { input },
    );
    expect(response.errors).toBeUndefined();
    const written = response.data.addMeasure;
    const expected = {
      title: payload,
      summary: `${payload}\n${payload}`,
      sources: [{ title: payload, publisher: payload, url: input.sources[0]!.url }],
      targets: {
        edges: [
          {
            node: {
              id: expect.any(String),
              name: payload,
              nativeName: payload,
              aliases: [payload, `${payload} again`],
              position: payload,
            },
          },
        ],
      },
    };
    expect(written).toEqual({ id: expect.any(String), ...expected });
    // Read back by a request of its own.
    const read = await server.gql(`query($id: ID!) { measure(id: $id) ${selection} }`, {
      id: written.id,
    });
    expect(read.errors).toBeUndefined();
    expect(read.data.measure).toEqual(written);
    // Stored byte for byte.
    const measureId = decodeIntId(written.id, 'Measure', 'id');
    expect(
      await bytesOf(
        `SELECT unnest(ARRAY[encode(convert_to(title, 'UTF8'), 'hex'), encode(convert_to(summary, 'UTF8'), 'hex'),
           encode(convert_to(external_id, 'UTF8'), 'hex')]) AS h FROM measure WHERE id = $1`,
        measureId,
      ),
    ).toEqual([hex(payload), hex(`${payload}\n${payload}`), hex(payload)]);
    expect(
      await bytesOf(
        `SELECT unnest(ARRAY[encode(convert_to(title, 'UTF8'), 'hex'), encode(convert_to(publisher, 'UTF8'), 'hex')]) AS h
         FROM source WHERE measure_id = $1`,
        measureId,
      ),
    ).toEqual([hex(payload), hex(payload)]);
    const officialId = decodeIntId(written.targets.edges[0].node.id, 'Official', 'id');
    expect(
      await bytesOf(
        `SELECT encode(convert_to(v, 'UTF8'), 'hex') AS h FROM official,
           unnest(ARRAY[name, native_name, position] || aliases) WITH ORDINALITY AS t(v, n)
         WHERE id = $1 ORDER BY n`,
        officialId,
      ),
    ).toEqual([payload, payload, payload, payload, `${payload} again`].map(hex));
    // The externalId is looked up as data: the same input again is the same measure.
    const replay = await server.gqlAs(editor, ADD_MEASURE, { input });
    expect(replay.errors).toBeUndefined();
    expect(replay.data.addMeasure.id).toBe(written.id);
    const [{ n }] = await server.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM measure WHERE external_id = $1',
      [payload],
    );
    expect(n).toBe(1);
    // The name filter finds the new official by the string, literally (no wildcard matched).
    const byName = await server.gql(
      'query($v: String) { officials(first: 100, filter: { name: $v }) { edges { node { id name nativeName aliases } } } }',
      { v: payload },
    );
    expect(byName.errors).toBeUndefined();
    const found = byName.data.officials.edges.map((e: any) => e.node);
    expect(found.map((o: any) => o.id)).toContain(written.targets.edges[0].node.id);
    for (const o of found) {
      const haystack = [o.name, o.nativeName ?? '', ...o.aliases].join(' ').toLowerCase();
      expect(haystack).toContain(payload.toLowerCase());
    }
    await tablesIntact();
  });

  test.each(PAYLOADS)('addStatement with %s everywhere', async (payload) => {
    const input = {
      issuedOn: '2024-05-02',
      country: 'RU',
      issuer: payload,
      title: payload,
      text: `${payload}\n\t${payload}`,
      quotes: [payload, `«${payload}»`],
      language: 'en',
      measureIds: [fixtureMeasureId],
      sources: [{ title: payload, publisher: payload }],
    };
    const selection =
      '{ id issuer title text quotes language country { code } measures { id } sources { title publisher url } }';
    const response = await server.gqlAs(
      editor,
      `mutation($input: AddStatementInput!) { addStatement(input: $input) ${selection} }`,
      { input },
    );
    expect(response.errors).toBeUndefined();
    const written = response.data.addStatement;
    expect(written).toEqual({
      id: expect.any(String),
      issuer: payload,
      title: payload,
      text: `${payload}\n\t${payload}`,
      quotes: [payload, `«${payload}»`],
      language: 'en',
      country: { code: 'RU' },
      measures: [{ id: fixtureMeasureId }],
      sources: [{ title: payload, publisher: payload, url: null }],
    });
    const read = await server.gql(`query($id: ID!) { statement(id: $id) ${selection} }`, {
      id: written.id,
    });
    expect(read.errors).toBeUndefined();
    expect(read.data.statement).toEqual(written);
    const statementId = decodeIntId(written.id, 'Statement', 'id');
    expect(
      await bytesOf(
        `SELECT encode(convert_to(v, 'UTF8'), 'hex') AS h FROM statement,
           unnest(ARRAY[issuer, title, text] || quotes) WITH ORDINALITY AS t(v, n)
         WHERE id = $1 ORDER BY n`,
        statementId,
      ),
    ).toEqual([payload, payload, `${payload}\n\t${payload}`, payload, `«${payload}»`].map(hex));
    expect(
      await bytesOf(
        `SELECT unnest(ARRAY[encode(convert_to(title, 'UTF8'), 'hex'), encode(convert_to(publisher, 'UTF8'), 'hex')]) AS h
         FROM source WHERE statement_id = $1`,
        statementId,
      ),
    ).toEqual([hex(payload), hex(payload)]);
    await tablesIntact();
  });

  test.each(PAYLOADS)('addOfficial with %s everywhere', async (payload) => {
    const input = {
      name: payload,
      nativeName: payload,
      aliases: [payload, `x${payload}x`],
      position: payload,
      country: 'GB',
      category: 'OTHER',
    };
    const selection = '{ id name nativeName aliases position category country { code } }';
    const response = await server.gqlAs(
      editor,
      `mutation($input: AddOfficialInput!) { addOfficial(input: $input) ${selection} }`,
      { input },
    );
    expect(response.errors).toBeUndefined();
    const written = response.data.addOfficial;
    expect(written).toEqual({
      id: expect.any(String),
      name: payload,
      nativeName: payload,
      aliases: [payload, `x${payload}x`],
      position: payload,
      category: 'OTHER',
      country: { code: 'GB' },
    });
    const read = await server.gql(`query($id: ID!) { official(id: $id) ${selection} }`, {
      id: written.id,
    });
    expect(read.errors).toBeUndefined();
    expect(read.data.official).toEqual(written);
    expect(
      await bytesOf(
        `SELECT encode(convert_to(v, 'UTF8'), 'hex') AS h FROM official,
           unnest(ARRAY[name, native_name, position] || aliases) WITH ORDINALITY AS t(v, n)
         WHERE id = $1 ORDER BY n`,
        decodeIntId(written.id, 'Official', 'id'),
      ),
    ).toEqual([payload, payload, payload, payload, `x${payload}x`].map(hex));
    // Nested: GB's officials filtered by the string find it, and only names containing it.
    const nested = await server.gql(
      'query($v: String) { country(code: "GB") { officials(first: 100, filter: { name: $v }) { edges { node { id name nativeName aliases } } } } }',
      { v: payload },
    );
    expect(nested.errors).toBeUndefined();
    const found = nested.data.country.officials.edges.map((e: any) => e.node);
    expect(found.map((o: any) => o.id)).toContain(written.id);
    for (const o of found) {
      const haystack = [o.name, o.nativeName ?? '', ...o.aliases].join(' ').toLowerCase();
      expect(haystack).toContain(payload.toLowerCase());
    }
    await tablesIntact();
  });

  test('an injection string in a country code of a write is BAD_USER_INPUT, and nothing is written', async () => {
    const before = await tableCounts();
    for (const payload of PAYLOADS) {
      const measure = await server.gqlAs(editor, ADD_MEASURE, {
        input: {
          kind: 'OTHER',
          title: 'Never written',
          imposedBy: payload,
          announcedOn: '2024-05-03',
          sources: [{ title: 'S' }],
        },
      });
      expect(measure.errors!.map((e) => e.extensions)).toEqual([
        expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.imposedBy' }),
      ]);
      const statement = await server.gqlAs(editor, ADD_STATEMENT, {
        input: {
          issuedOn: '2024-05-03',
          country: 'RU',
          issuer: 'I',
          text: 'T',
          speakerId: payload,
          sources: [{ title: 'S' }],
        },
      });
      expect(statement.errors!.map((e) => e.extensions)).toEqual([
        expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.speakerId' }),
      ]);
    }
    expect(await tableCounts()).toEqual(before);
    await tablesIntact();
  });
});

describe('SQL injection strings in every string argument and filter of the queries', () => {
  // A server of its own: the measures the other cases write would match these strings as text.
  let plain: TestServer;
  let measureCount: number;

  beforeAll(async () => {
    plain = await startTestServer({ nodeEnv: 'production', rateLimit: NO_RATE_LIMIT });
    for (let i = 0; i < 3; i++)
      await insertMeasure(plain.db, {
        title: `M${i}`,
        imposedBy: 'GB',
        announcedOn: '2024-01-01',
      });
    measureCount = (
      await plain.db.query<{ n: number }>('SELECT count(*)::int AS n FROM measure')
    )[0]!.n;
  });

  /** An honest query answers correctly, and nothing was written or dropped. */
  async function stillHealthy(): Promise<void> {
    const { data, errors } = await plain.gql(
      '{ country(code: "JP") { name } measures { totalCount } }',
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({ country: { name: 'Japan' }, measures: { totalCount: measureCount } });
  }

  const payloads = [
    "' OR '1'='1",
    "'; DROP TABLE measure; --",
    "1'); SELECT pg_sleep(5); --",
    "%' OR 1=1 --",
    '$$ OR $$1$$=$$1',
    '") OR ("1"="1',
    '\\x27; DELETE FROM official; --',
  ];
  const queries: [string, (p: string) => Record<string, unknown>][] = [
    ['query($v: String!) { country(code: $v) { name } }', (v) => ({ v })],
    ['query($v: String) { countries(region: $v) { totalCount } }', (v) => ({ v })],
    ['query($v: String) { officials(filter: { name: $v }) { totalCount } }', (v) => ({ v })],
    [
      'query($v: [String!]) { officials(filter: { country: $v }) { totalCount } }',
      (v) => ({ v: [v] }),
    ],
    ['query($v: String) { measures(filter: { text: $v }) { totalCount } }', (v) => ({ v })],
    [
      'query($v: [String!]) { measures(filter: { imposedBy: $v }) { totalCount } }',
      (v) => ({ v: [v] }),
    ],
    [
      'query($v: [String!]) { measures(filter: { targetCountry: $v }) { totalCount } }',
      (v) => ({ v: [v] }),
    ],
    ['query($v: ID) { measures(filter: { targetsOfficial: $v }) { totalCount } }', (v) => ({ v })],
    ['query($v: String) { measures(after: $v) { totalCount } }', (v) => ({ v })],
    ['query($v: String) { measures(before: $v, last: 1) { totalCount } }', (v) => ({ v })],
    ['query($v: [String!]) { statements(country: $v) { totalCount } }', (v) => ({ v: [v] })],
    ['query($v: ID!) { node(id: $v) { id } }', (v) => ({ v })],
    ['query($v: [ID!]!) { nodes(ids: $v) { id } }', (v) => ({ v: [v] })],
    ['query($v: ID!) { measure(id: $v) { id } }', (v) => ({ v })],
    ['query($v: ID!) { official(id: $v) { id } }', (v) => ({ v })],
    ['query($v: ID!) { statement(id: $v) { id } }', (v) => ({ v })],
  ];

  test.each(
    queries.map(
      ([query, vars]) =>
        [
          query.slice(query.indexOf('{') + 2, query.indexOf('(', query.indexOf('{'))),
          query,
          vars,
        ] as const,
    ),
  )('%s', async (_, query, vars) => {
    for (const payload of payloads) {
      const started = Date.now();
      const response: GraphQLResponse = await plain.gql(query, vars(payload));
      expect(Date.now() - started).toBeLessThan(4000); // no pg_sleep ran
      const codes = (response.errors ?? []).map((e) => e.extensions?.code);
      expect(codes.every((code) => code === 'BAD_USER_INPUT')).toBe(true);
      if (!response.errors) {
        // Read as data, matching nothing.
        expect(JSON.stringify(response.data)).toMatch(/"totalCount":0|null/);
      }
    }
    await stillHealthy();
  });
});
