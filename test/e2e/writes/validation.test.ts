import { Role } from '../../../src/auth/role';
import { encodeGlobalId } from '../../../src/common/global-id';
import { expectBadInput, ok, rowCount } from '../../helpers/assertions';
import { cleanUp } from '../../helpers/cleanup';
import {
  ADD_STATEMENT,
  insertMeasure,
  insertOfficial,
  insertStatement,
  measureInput,
  statementInput,
} from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';
import { codeOf, lastSeq, LIFT_MEASURE, UPDATE_MEASURE } from '../../helpers/writes';

/**
 * Every input rule of the write path: each bad input gets BAD_USER_INPUT (or the code named)
 * with the input path in extensions.field, and nothing is written; updates are checked against
 * the stored record they merge with, unknown ids are named at their own index, and inResponseTo
 * cycles are refused, also when two edits race.
 */
let server: TestServer;
let editor: string;
let official: string;
let measure: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key: editor } = await server.createKey(Role.EDITOR));
  official = (await insertOfficial(server.db, { name: 'Someone', country: 'GB' })).globalId;
  measure = (
    await insertMeasure(server.db, {
      title: 'Existing',
      imposedBy: 'GB',
      announcedOn: '2024-01-01',
    })
  ).globalId;
});
afterAll(cleanUp);

/** A valid AddStatementInput. */
const STATEMENT = {
  issuedOn: '2024-01-01',
  country: 'GB',
  issuer: 'FCDO',
  text: 'Text',
  sources: [{ title: 'S' }],
};

const valid = {
  kind: 'SANCTIONS_PACKAGE',
  title: 'Valid',
  imposedBy: 'GB',
  announcedOn: '2024-02-01',
  sources: [{ title: 'Source' }],
};

async function measureCount(): Promise<number> {
  const [row] = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM measure');
  return row!.n;
}

async function expectRejected(
  mutation: string,
  variables: Record<string, unknown>,
  field: string,
  code = 'BAD_USER_INPUT',
): Promise<string> {
  const before = await measureCount();
  const response = await server.gqlAs(editor, mutation, variables);
  expect(response.errors).toHaveLength(1);
  expect(response.errors![0]!.extensions).toMatchObject({ code, field });
  expect(await measureCount()).toBe(before);
  return response.errors![0]!.message;
}

const ADD = 'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id } }';
const add = (overrides: Record<string, unknown>) => ({ input: { ...valid, ...overrides } });
const long = (n: number) => 'x'.repeat(n);

test('the valid baseline is accepted', async () => {
  const response = await server.gqlAs(editor, ADD, add({}));
  expect(response.errors).toBeUndefined();
});

describe('countries and references', () => {
  test.each([
    [{ imposedBy: 'XX' }, 'input.imposedBy'],
    [{ imposedBy: 'GBR' }, 'input.imposedBy'],
    [{ targetCountry: 'QQ' }, 'input.targetCountry'],
    [{ beneficiaryCountry: '1A' }, 'input.beneficiaryCountry'],
    [
      { newTargets: [{ name: 'A', country: 'ZZ', category: 'OTHER' }] },
      'input.newTargets[0].country',
    ],
  ])('unknown or malformed country code %j', async (overrides, field) => {
    await expectRejected(ADD, add(overrides), field);
  });

  test('a target official who does not exist, by position', async () => {
    const message = await expectRejected(
      ADD,
      add({ targetOfficialIds: [official, encodeGlobalId('Official', 999999)] }),
      'input.targetOfficialIds[1]',
    );
    expect(message).toMatch(/no official/);
  });

  test.each([
    [{ targetOfficialIds: ['garbage'] }, 'input.targetOfficialIds[0]'],
    [{ targetOfficialIds: [measureIdPlaceholder()] }, 'input.targetOfficialIds[0]'],
    [{ inResponseToId: encodeGlobalId('Measure', 999999) }, 'input.inResponseToId'],
    [{ inResponseToId: 'nope' }, 'input.inResponseToId'],
    [{ statementIds: [encodeGlobalId('Statement', 999999)] }, 'input.statementIds[0]'],
  ])('a malformed, wrong-type or unknown ID %j', async (overrides, field) => {
    const resolved = JSON.parse(JSON.stringify(overrides).replace('MEASURE_ID', measure));
    await expectRejected(ADD, add(resolved), field);
  });

  test('the same official twice', async () => {
    await expectRejected(
      ADD,
      add({ targetOfficialIds: [official, official] }),
      'input.targetOfficialIds[1]',
    );
  });

  test('addStatement: unknown speaker and measures', async () => {
    const base = STATEMENT;
    await expectRejected(
      ADD_STATEMENT,
      { input: { ...base, speakerId: encodeGlobalId('Official', 999999) } },
      'input.speakerId',
    );
    await expectRejected(
      ADD_STATEMENT,
      { input: { ...base, measureIds: [measure, encodeGlobalId('Measure', 999999)] } },
      'input.measureIds[1]',
    );
    await expectRejected(ADD_STATEMENT, { input: { ...base, country: 'XX' } }, 'input.country');
  });
});

function measureIdPlaceholder(): string {
  return 'MEASURE_ID'; // a Measure ID where an Official ID belongs; replaced in the test
}

describe('dates that contradict each other', () => {
  test.each([
    [{ effectiveFrom: '2024-01-31' }, 'input.effectiveFrom', /before announcedOn/],
    [
      { effectiveFrom: '2024-02-10', expiresOn: '2024-02-09' },
      'input.expiresOn',
      /before effectiveFrom/,
    ],
    [{ expiresOn: '2024-01-01' }, 'input.expiresOn', /before announcedOn/],
    [{ indefinite: true, expiresOn: '2025-01-01' }, 'input.expiresOn', /indefinite/],
  ])('%j', async (overrides, field, message) => {
    expect(await expectRejected(ADD, add(overrides), field)).toMatch(message);
  });

  test('an impossible calendar date is refused by the Date scalar', async () => {
    const response = await server.gqlAs(editor, ADD, add({ announcedOn: '2024-02-30' }));
    expect(response.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(response.errors![0]!.extensions!.field).toBe('input.announcedOn');
    expect(response.errors![0]!.message).toMatch(/announcedOn/);
  });

  test.each([
    [
      'a bad Date literal in a filter',
      '{ measures(filter: { announcedFrom: "2024-02-30" }) { totalCount } }',
      undefined,
      'filter.announcedFrom',
    ],
    [
      'an unknown enum value in a list literal',
      '{ measures(filter: { kind: [ENTRY_BAN, NO_SUCH_KIND] }) { totalCount } }',
      undefined,
      'filter.kind[1]',
    ],
    [
      'a required input field left out of a literal',
      '{ measures(orderBy: { direction: ASC }) { totalCount } }',
      undefined,
      'orderBy.field',
    ],
    ['a required argument left out', '{ country { name } }', undefined, 'code'],
    [
      'an unknown enum value in a variable',
      'query($f: MeasureFilter) { measures(filter: $f) { totalCount } }',
      { f: { status: ['IN_FORCE', 'GONE'] } },
      'f.status[1]',
    ],
    [
      'a required variable not given',
      'query($code: String!) { country(code: $code) { name } }',
      {},
      'code',
    ],
  ])('graphql-js refusing %s names the field', async (_, query, variables, field) => {
    const response = await server.gql(query, variables);
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  test('updating announcedOn past effectiveFrom names announcedOn', async () => {
    const created = await server.gqlAs(editor, ADD, add({ effectiveFrom: '2024-02-05' }));
    const id = created.data.addMeasure.id;
    await expectRejected(
      'mutation($id: ID!, $input: UpdateMeasureInput!) { updateMeasure(id: $id, input: $input) { id } }',
      { id, input: { announcedOn: '2024-02-06' } },
      'input.announcedOn',
    );
  });
});

describe('inResponseTo cycles', () => {
  const UPDATE =
    'mutation($id: ID!, $input: UpdateMeasureInput!) { updateMeasure(id: $id, input: $input) { id } }';

  test('a measure cannot answer itself', async () => {
    await expectRejected(
      UPDATE,
      { id: measure, input: { inResponseToId: measure } },
      'input.inResponseToId',
    );
  });

  test('A answers B answers C: C cannot answer A', async () => {
    const a = (await server.gqlAs(editor, ADD, add({ title: 'A' }))).data.addMeasure.id;
    const b = (await server.gqlAs(editor, ADD, add({ title: 'B', inResponseToId: a }))).data
      .addMeasure.id;
    const c = (await server.gqlAs(editor, ADD, add({ title: 'C', inResponseToId: b }))).data
      .addMeasure.id;
    const message = await expectRejected(
      UPDATE,
      { id: a, input: { inResponseToId: c } },
      'input.inResponseToId',
    );
    expect(message).toMatch(/cycle/);
    const fine = await server.gqlAs(editor, UPDATE, { id: c, input: { inResponseToId: a } });
    expect(fine.errors).toBeUndefined();
  });
});

describe('text rules', () => {
  test.each([
    [{ title: '' }, 'input.title', /empty/],
    [{ title: '   ' }, 'input.title', /empty/],
    [{ title: long(301) }, 'input.title', /at most 300/],
    [{ title: 'Line\nbreak' }, 'input.title', /one line/],
    [{ title: 'Bell\u0007' }, 'input.title', /control/],
    [{ title: 'Lone \ud800 surrogate' }, 'input.title', /Unicode/],
    [{ summary: long(10_001) }, 'input.summary', /at most 10000/],
    [{ summary: 'NUL\u0000' }, 'input.summary', /control/],
    [{ externalId: long(201) }, 'input.externalId', /at most 200/],
    [{ sources: [] }, 'input.sources', /at least 1/],
    [{ sources: [{ title: '' }] }, 'input.sources[0].title', /empty/],
    [
      {
        newTargets: [
          { name: 'Ok', country: 'GB', category: 'OTHER', aliases: ['fine', 'tab\there'] },
        ],
      },
      'input.newTargets[0].aliases[1]',
      /one line/,
    ],
    [
      { newTargets: [{ name: 'Ok', country: 'GB', category: 'OTHER', wikidataId: 'Q0' }] },
      'input.newTargets[0].wikidataId',
      /Wikidata/,
    ],
    [{ targetCount: -1 }, 'input.targetCount', /less than 0/],
    [
      {
        targetCount: 1,
        targetOfficialIds: [] as string[],
        newTargets: [
          { name: 'A', country: 'GB', category: 'OTHER' },
          { name: 'B', country: 'GB', category: 'OTHER' },
        ],
      },
      'input.targetCount',
      /less than the 2 named/,
    ],
  ])('%#: %j', async (overrides, field, message) => {
    expect(await expectRejected(ADD, add(overrides), field)).toMatch(message);
  });

  test('statement text and quotes', async () => {
    const base = STATEMENT;
    await expectRejected(ADD_STATEMENT, { input: { ...base, text: long(100_001) } }, 'input.text');
    await expectRejected(
      ADD_STATEMENT,
      { input: { ...base, quotes: ['ok', 'also ok', 'bad\u001b[31m'] } },
      'input.quotes[2]',
    );
    await expectRejected(
      ADD_STATEMENT,
      { input: { ...base, quotes: Array.from({ length: 101 }, () => 'q') } },
      'input.quotes',
    );
    await expectRejected(
      ADD_STATEMENT,
      { input: { ...base, language: 'english please' } },
      'input.language',
    );
    await expectRejected(ADD_STATEMENT, { input: { ...base, issuer: '' } }, 'input.issuer');
  });
});

describe('source URLs', () => {
  test.each([
    'ftp://example.org/file',
    'javascript:alert(1)',
    '/relative/path',
    'example.org',
    'https://exa mple.org',
    `https://example.org/${long(2000)}`,
  ])('%p is refused', async (url) => {
    await expectRejected(ADD, add({ sources: [{ title: 'S', url }] }), 'input.sources[0].url');
  });

  test('http and https are accepted', async () => {
    const response = await server.gqlAs(
      editor,
      ADD,
      add({
        sources: [
          { title: 'A', url: 'http://example.org' },
          { title: 'B', url: 'https://example.org/a?b=c#d' },
        ],
      }),
    );
    expect(response.errors).toBeUndefined();
  });
});

test('more than 10,000 named targets in one call', async () => {
  const ids = Array.from({ length: 10_001 }, () => official);
  await expectRejected(ADD, add({ targetOfficialIds: ids }), 'input.targetOfficialIds');
});

test('lifting a measure that is already lifted is a CONFLICT', async () => {
  const LIFT = `mutation { liftMeasure(id: "${measure}", liftedOn: "2024-05-01") { status } }`;
  expect((await server.gqlAs(editor, LIFT)).errors).toBeUndefined();
  const again = await server.gqlAs(editor, LIFT);
  expect(again.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });
});

const ADD_MEASURE_ID = 'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id } }';

describe('an update checked against the stored record it merges with', () => {
  const addMeasure = async (overrides: Record<string, unknown> = {}, key = editor) =>
    ok(await server.gqlAs(key, ADD_MEASURE_ID, { input: measureInput(overrides) })).addMeasure
      .id as string;

  describe('validation on the merged (stored + updated) record', () => {
    test('update only expiresOn to before the stored effectiveFrom names input.expiresOn, changes nothing', async () => {
      const id = await addMeasure({ announcedOn: '2030-01-01', effectiveFrom: '2030-02-01' });
      const seq = await lastSeq(server.db);
      const r = await server.gqlAs(editor, UPDATE_MEASURE, {
        id,
        input: { expiresOn: '2030-01-15' },
      });
      expect(r.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.expiresOn',
      });
      expect(await lastSeq(server.db)).toBe(seq);
    });

    test('update indefinite:true on a measure with expiresOn names input.indefinite', async () => {
      const id = await addMeasure({ announcedOn: '2030-01-01', expiresOn: '2031-01-01' });
      const r = await server.gqlAs(editor, UPDATE_MEASURE, { id, input: { indefinite: true } });
      expect(r.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.indefinite',
      });
    });

    test('update only effectiveFrom to before the stored announcedOn names input.effectiveFrom', async () => {
      const id = await addMeasure({ announcedOn: '2030-01-10' });
      const r = await server.gqlAs(editor, UPDATE_MEASURE, {
        id,
        input: { effectiveFrom: '2030-01-01' },
      });
      expect(r.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.effectiveFrom',
      });
    });

    test('update only targetCount below the stored named targets is refused', async () => {
      const a = await insertOfficial(server.db, { name: 'R3 T1', country: 'RU' });
      const b = await insertOfficial(server.db, { name: 'R3 T2', country: 'RU' });
      const id = await addMeasure({ targetOfficialIds: [a.globalId, b.globalId] });
      const r = await server.gqlAs(editor, UPDATE_MEASURE, { id, input: { targetCount: 1 } });
      expect(r.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.targetCount',
      });
    });

    test('liftMeasure with liftedOn before announcedOn is BAD_USER_INPUT naming liftedOn', async () => {
      const id = await addMeasure({ announcedOn: '2024-05-04' });
      const r = await server.gqlAs(editor, LIFT_MEASURE, { id, on: '2024-05-03' });
      expect(r.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'liftedOn',
      });
    });
  });

  describe('statementIds and measureIds', () => {
    test('addMeasure: the unknown statement is named at its own index, after a duplicate', async () => {
      const s = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-01-01' });
      const unknown = encodeGlobalId('Statement', 999_999);
      const before = await rowCount(server.db, 'measure');
      const r = await server.gqlAs(editor, ADD_MEASURE_ID, {
        input: measureInput({ statementIds: [s.globalId, s.globalId, unknown] }),
      });
      expect(r.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.statementIds[2]',
      });
      expect(await rowCount(server.db, 'measure')).toBe(before);
    });

    test('updateMeasure: the unknown statement is named at its own index, after a duplicate', async () => {
      const s = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-01-01' });
      const id = await addMeasure();
      const unknown = encodeGlobalId('Statement', 999_998);
      const r = await server.gqlAs(editor, UPDATE_MEASURE, {
        id,
        input: { statementIds: [s.globalId, s.globalId, unknown] },
      });
      expect(r.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.statementIds[2]',
      });
    });

    test('addStatement: the unknown measure is named at its own index; nothing written', async () => {
      const m = await addMeasure();
      const before = {
        statements: await rowCount(server.db, 'statement'),
        sources: await rowCount(server.db, 'source'),
        seq: await lastSeq(server.db),
      };
      const r = await server.gqlAs(editor, ADD_STATEMENT, {
        input: statementInput('GB', { measureIds: [m, m, encodeGlobalId('Measure', 999_997)] }),
      });
      expect(r.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.measureIds[2]',
      });
      expect(await rowCount(server.db, 'statement')).toBe(before.statements);
      expect(await rowCount(server.db, 'source')).toBe(before.sources);
      expect(await lastSeq(server.db)).toBe(before.seq);
    });
  });

  describe('inResponseTo cycles through updateMeasure, and concurrent edits', () => {
    test('a four-long cycle through updateMeasure is refused', async () => {
      const a = await addMeasure({ title: 'Cycle A' });
      const b = await addMeasure({ title: 'Cycle B', inResponseToId: a });
      const c = await addMeasure({ title: 'Cycle C', inResponseToId: b });
      const d = await addMeasure({ title: 'Cycle D', inResponseToId: c });
      const r = await server.gqlAs(editor, UPDATE_MEASURE, { id: a, input: { inResponseToId: d } });
      expect(r.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.inResponseToId',
      });
    });

    test('concurrent edits A→B and B→C (no cycle) both succeed', async () => {
      const failures: string[] = [];
      for (let round = 0; round < 4; round++) {
        const a = await addMeasure({ title: `Chain A${round}` });
        const b = await addMeasure({ title: `Chain B${round}` });
        const c = await addMeasure({ title: `Chain C${round}` });
        const results = await Promise.all([
          server.gqlAs(editor, UPDATE_MEASURE, {
            id: a,
            input: { inResponseToId: b, title: `A${round}x` },
          }),
          server.gqlAs(editor, UPDATE_MEASURE, {
            id: b,
            input: { inResponseToId: c, title: `B${round}x` },
          }),
        ]);
        for (const r of results) if (r.errors) failures.push(JSON.stringify(r.errors[0]));
      }
      expect(failures).toEqual([]);
    }, 60_000);

    test('concurrent A→B and B→A: one succeeds, the other is BAD_USER_INPUT (never an internal error)', async () => {
      const codes: string[][] = [];
      for (let round = 0; round < 4; round++) {
        const a = await addMeasure({ title: `Mutual A${round}` });
        const b = await addMeasure({ title: `Mutual B${round}` });
        const results = await Promise.all([
          server.gqlAs(editor, UPDATE_MEASURE, { id: a, input: { inResponseToId: b } }),
          server.gqlAs(editor, UPDATE_MEASURE, { id: b, input: { inResponseToId: a } }),
        ]);
        codes.push(results.map(codeOf).sort());
      }
      for (const pair of codes) expect(pair).toEqual(['BAD_USER_INPUT', 'OK']);
    }, 60_000);
  });
});

// Input at the edges of the rules, each once a defect: URLs a URL parser would repair, required
// fields missing inside variables, partial dates, characters outside the BMP, invisible text and
// non-canonical IDs.
const ADD_MEASURE_DATED = `mutation($input: AddMeasureInput!) {
  addMeasure(input: $input) { id announcedOn announcedOnPrecision sources { url } } }`;
const UPDATE_SOURCES = `mutation($id: ID!, $input: UpdateMeasureInput!) {
  updateMeasure(id: $id, input: $input) { id sources { url } } }`;

describe('source URLs must be absolute http(s) as sent, not as a URL parser would repair them', () => {
  // WHATWG `new URL` repairs these into valid URLs, but what is stored is what was sent, which
  // the database's CHECK (url ~* '^https?://') refuses: that was an INTERNAL_SERVER_ERROR.
  test.each(['http:example.org', 'https:/example.org', 'http:\\\\example.org\\page'])(
    'addMeasure with source url %p is BAD_USER_INPUT naming input.sources[0].url',
    async (url) => {
      const measures = await rowCount(server.db, 'measure');
      const response = await server.gqlAs(editor, ADD_MEASURE_DATED, {
        input: measureInput({ sources: [{ title: 'S', url }] }),
      });
      expectBadInput(response, 'input.sources[0].url');
      expect(await rowCount(server.db, 'measure')).toBe(measures);
    },
  );

  test('addStatement with source url "https:example.org" is BAD_USER_INPUT', async () => {
    const response = await server.gqlAs(editor, ADD_STATEMENT, {
      input: {
        issuedOn: '2024-01-01',
        country: 'gb',
        issuer: 'Foreign Office',
        text: 'Text.',
        sources: [{ title: 'S', url: 'https:example.org' }],
      },
    });
    expectBadInput(response, 'input.sources[0].url');
  });

  test('updateMeasure replacing sources with url "https:/example.org" is BAD_USER_INPUT', async () => {
    const added = await server.gqlAs(editor, ADD_MEASURE_DATED, { input: measureInput() });
    expect(added.errors).toBeUndefined();
    const response = await server.gqlAs(editor, UPDATE_SOURCES, {
      id: added.data!.addMeasure.id,
      input: { sources: [{ title: 'S', url: 'https:/example.org' }] },
    });
    expectBadInput(response, 'input.sources[0].url');
  });
});

describe('a required input field missing from a variable is named', () => {
  // For a literal the missing field's name was appended; for a variable only its path was given.
  test('AddMeasureInput.title missing in $input → field input.title (as for a literal)', async () => {
    const { title: _omitted, ...input } = measureInput();
    const literal = await server.gqlAs(
      editor,
      `mutation { addMeasure(input: { kind: OTHER, imposedBy: "GB", announcedOn: "2024-01-01",
        sources: [{ title: "S" }] }) { id } }`,
    );
    expectBadInput(literal, 'input.title'); // passes: the literal form is named
    expectBadInput(await server.gqlAs(editor, ADD_MEASURE_DATED, { input }), 'input.title');
  });

  test('SourceInput.title missing in $input → field input.sources[0].title', async () => {
    const response = await server.gqlAs(editor, ADD_MEASURE_DATED, {
      input: measureInput({ sources: [{ url: 'https://example.org' }] }),
    });
    expectBadInput(response, 'input.sources[0].title');
  });
});

describe('partial dates are stored on the first day of their month or year', () => {
  // DatePrecision's description: "A MONTH date is stored as its first day, a YEAR date as
  // 1 January." The day of a date known to the month is not invented.
  test.each([
    ['MONTH', '2024-02-17', '2024-02-01'],
    ['YEAR', '2022-07-19', '2022-01-01'],
  ])('%s precision: announcedOn %s is stored as %s', async (precision, sent, stored) => {
    const response = await server.gqlAs(editor, ADD_MEASURE_DATED, {
      input: measureInput({ announcedOn: sent, announcedOnPrecision: precision }),
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.addMeasure).toMatchObject({
      announcedOn: stored,
      announcedOnPrecision: precision,
    });
  });

  test('an update that coarsens the precision moves the stored date with it', async () => {
    const added = await server.gqlAs(editor, ADD_MEASURE_DATED, {
      input: measureInput({ announcedOn: '2023-09-14' }),
    });
    const response = await server.gqlAs(
      editor,
      `mutation($id: ID!) { updateMeasure(id: $id, input: { announcedOnPrecision: YEAR }) {
        announcedOn announcedOnPrecision } }`,
      { id: added.data!.addMeasure.id },
    );
    expect(response.data!.updateMeasure).toEqual({
      announcedOn: '2023-01-01',
      announcedOnPrecision: 'YEAR',
    });
  });

  test('a statement issued in a known month only is stored on its first day', async () => {
    const response = await server.gqlAs(
      editor,
      `mutation($input: AddStatementInput!) { addStatement(input: $input) { issuedOn } }`,
      {
        input: {
          issuedOn: '2022-05-17',
          issuedOnPrecision: 'MONTH',
          country: 'RU',
          issuer: 'Ministry of Foreign Affairs',
          text: 'A statement known to the month.',
          sources: [{ title: 'Report' }],
        },
      },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.addStatement.issuedOn).toBe('2022-05-01');
  });
});

describe('length limits count characters, not UTF-16 code units', () => {
  // 300 emoji are 600 UTF-16 units but 300 characters.
  test('a title of exactly 300 characters (astral-plane) is accepted', async () => {
    const response = await server.gqlAs(editor, ADD_MEASURE_DATED, {
      input: measureInput({ title: '😀'.repeat(300) }),
    });
    expect(response.errors).toBeUndefined();
  });
});

describe('text that shows nothing, nulls and IDs', () => {
  test('a title of zero-width characters only is empty', async () => {
    const response = await server.gqlAs(editor, ADD_MEASURE_DATED, {
      input: measureInput({ title: '\u200b\u200b \ufeff' }),
    });
    expectBadInput(response, 'input.title');
  });

  test('zero-width joiners inside visible text are kept', async () => {
    const title = 'Family 👨\u200d👩\u200d👧 reunification suspended';
    const response = await server.gqlAs(
      editor,
      `mutation($input: AddMeasureInput!) { addMeasure(input: $input) { title } }`,
      { input: measureInput({ title }) },
    );
    expect(response.data!.addMeasure.title).toBe(title);
  });

  test('updateMeasure refuses targetCount: null as it refuses clearing other required fields', async () => {
    const added = await server.gqlAs(editor, ADD_MEASURE_DATED, { input: measureInput() });
    const response = await server.gqlAs(
      editor,
      `mutation($id: ID!) { updateMeasure(id: $id, input: { targetCount: null }) { id } }`,
      { id: added.data!.addMeasure.id },
    );
    expectBadInput(response, 'input.targetCount');
  });

  test('an unknown field inside a variable is named', async () => {
    const response = await server.gqlAs(editor, ADD_MEASURE_DATED, {
      input: { ...measureInput(), colour: 'red' },
    });
    expectBadInput(response, 'input.colour');
  });

  test('only the canonical spelling of an ID is accepted', async () => {
    const added = await server.gqlAs(editor, ADD_MEASURE_DATED, { input: measureInput() });
    const id: string = added.data!.addMeasure.id;
    // The same bytes with different unused trailing bits: base64url would decode it alike.
    const last = id.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = id.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(sibling, 'base64url')).toEqual(Buffer.from(id, 'base64url'));
    const response = await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: sibling });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect((await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id })).data).toEqual({
      node: { id },
    });
  });
});
