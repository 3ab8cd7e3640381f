import { Role } from '../../../src/auth/role';
import { encodeGlobalId } from '../../../src/common/global-id';
import { insertMeasure, insertOfficial } from '../../helpers/fixtures';
import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';

/**
 * Every input rule of the write path: each bad input gets BAD_USER_INPUT (or the code named)
 * with the input path in extensions.field, and nothing is written.
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
afterAll(stopAllServers);

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
    const ADD_STATEMENT =
      'mutation($input: AddStatementInput!) { addStatement(input: $input) { id } }';
    const base = {
      issuedOn: '2024-01-01',
      country: 'GB',
      issuer: 'FCDO',
      text: 'Text',
      sources: [{ title: 'S' }],
    };
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
    const ADD_STATEMENT =
      'mutation($input: AddStatementInput!) { addStatement(input: $input) { id } }';
    const base = {
      issuedOn: '2024-01-01',
      country: 'GB',
      issuer: 'FCDO',
      text: 'Text',
      sources: [{ title: 'S' }],
    };
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
