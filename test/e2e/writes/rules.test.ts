import { Role } from '../../../src/auth/role';
import { decodeIntId, encodeGlobalId } from '../../../src/common/global-id';
import { cleanUp } from '../../helpers/cleanup';
import { startTestServer, type TestServer } from '../../helpers/server';
import { ok } from '../../helpers/assertions';
import { refused, rowCounts } from '../../helpers/writes';
import { sleep } from '../../helpers/wait';

/**
 * Rules of the write path checked against every table a write touches, not only against the
 * answer: the 10,000-target limit of a measure (existing and new targets together), dates a lift
 * fixes, addOfficial on its own, updateMeasure read back through a separate query, and the change
 * log of a statement that links measures. (validation.test.ts names the field of each refusal.)
 */
let server: TestServer;
let editor: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key: editor } = await server.createKey(Role.EDITOR, 'Rules editor'));
});
afterAll(cleanUp);

const counts = () => rowCounts(server.db);

const long = (n: number) => 'x'.repeat(n);

const ADD_MEASURE = `mutation($input: AddMeasureInput!) { addMeasure(input: $input) {
  id targetCount targets(first: 1) { totalCount } createdAt updatedAt } }`;
const UPDATE_MEASURE = `mutation($id: ID!, $input: UpdateMeasureInput!) { updateMeasure(id: $id, input: $input) {
  id title announcedOn status liftedOn updatedAt } }`;
const LIFT_MEASURE = `mutation($id: ID!, $on: Date!) { liftMeasure(id: $id, liftedOn: $on) { status liftedOn updatedAt } }`;
const ADD_OFFICIAL = `mutation($input: AddOfficialInput!) { addOfficial(input: $input) {
  id name nativeName aliases country { code } position category wikidataId } }`;
function measureInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'ENTRY_BAN',
    title: 'Rules test measure',
    imposedBy: 'RU',
    targetCountry: 'GB',
    announcedOn: '2024-01-10',
    sources: [{ title: 'Gazette', url: 'https://example.org/gazette' }],
    ...overrides,
  };
}

function newTargets(n: number, prefix: string): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `${prefix} ${i + 1}`,
    country: 'GB',
    category: 'OTHER',
  }));
}

async function addMeasure(overrides: Record<string, unknown> = {}): Promise<{
  id: string;
  createdAt: string;
  updatedAt: string;
}> {
  return ok(await server.gqlAs(editor, ADD_MEASURE, { input: measureInput(overrides) })).addMeasure;
}

describe('at most 10,000 named targets per call, existing and new together', () => {
  /** Global ids of 5,001 recorded officials, in id order. */
  let recorded: string[];

  beforeAll(async () => {
    const rows = await server.db.query<{ id: number }>(
      `INSERT INTO official (name, country_code, category)
       SELECT 'Recorded target ' || g, 'GB', 'OTHER' FROM generate_series(1, 5001) AS g
       RETURNING id`,
    );
    recorded = rows
      .map((row) => row.id)
      .sort((a, b) => a - b)
      .map((id) => encodeGlobalId('Official', id));
    expect(recorded).toHaveLength(5001);
  });

  test('exactly 10,000 (10 recorded + 9,990 new) is accepted and reads back in order', async () => {
    const before = await counts();
    const existing = recorded.slice(0, 10);
    const { addMeasure: added } = ok(
      await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({
          title: 'Ten thousand names',
          targetOfficialIds: existing,
          newTargets: newTargets(9990, 'Bulk new target'),
        }),
      }),
    );
    expect(added.targetCount).toBe(10_000);
    expect(added.targets.totalCount).toBe(10_000);

    const after = await counts();
    expect(after.measure - before.measure).toBe(1);
    expect(after.official - before.official).toBe(9990);
    expect(after.measure_target - before.measure_target).toBe(10_000);
    expect(after.source - before.source).toBe(1);
    // One row per new official and one for the measure.
    expect(after.change_log - before.change_log).toBe(9991);

    const read = ok(
      await server.gql(
        `query($id: ID!) { measure(id: $id) {
          targetCount
          head: targets(first: 11) { totalCount edges { node { id name } } }
          tail: targets(last: 1) { totalCount edges { node { name country { code } } } }
        } }`,
        { id: added.id },
      ),
    );
    expect(read.measure.targetCount).toBe(10_000);
    expect(read.measure.head.totalCount).toBe(10_000);
    expect(read.measure.tail.totalCount).toBe(10_000);
    const head = read.measure.head.edges.map((e: { node: { id: string; name: string } }) => e.node);
    expect(head.slice(0, 10).map((n: { id: string }) => n.id)).toEqual(existing);
    expect(head[10].name).toBe('Bulk new target 1');
    expect(read.measure.tail.edges).toEqual([
      { node: { name: 'Bulk new target 9990', country: { code: 'GB' } } },
    ]);
    const [positions] = await server.db.query<{ n: number; min: number; max: number }>(
      `SELECT count(DISTINCT position)::int AS n, min(position) AS min, max(position) AS max
       FROM measure_target WHERE measure_id = $1`,
      [decodeIntId(added.id, 'Measure', 'id')],
    );
    expect(positions).toEqual({ n: 10_000, min: 1, max: 10_000 });
  }, 120_000);

  test('5,001 recorded + 5,000 new (10,001 together) is BAD_USER_INPUT and writes nothing', async () => {
    const before = await counts();
    const response = await server.gqlAs(editor, ADD_MEASURE, {
      input: measureInput({
        title: 'One too many',
        targetOfficialIds: recorded,
        newTargets: newTargets(5000, 'Overflow target'),
      }),
    });
    const { message } = refused(response, 'BAD_USER_INPUT', 'input.newTargets');
    expect(message).toMatch(/10000/);
    expect(message).toMatch(/10001/);
    expect(await counts()).toEqual(before);
    const [none] = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM official WHERE name LIKE 'Overflow target %'`,
    );
    expect(none!.n).toBe(0);
  }, 120_000);

  test('10,001 new targets alone is BAD_USER_INPUT naming input.newTargets and writes nothing', async () => {
    const before = await counts();
    const response = await server.gqlAs(editor, ADD_MEASURE, {
      input: measureInput({ title: 'Too many new', newTargets: newTargets(10_001, 'Excess') }),
    });
    const { message } = refused(response, 'BAD_USER_INPUT', 'input.newTargets');
    expect(message).toMatch(/10000/);
    expect(await counts()).toEqual(before);
  }, 120_000);

  test('updateMeasure replacing targets with 10,001 together is refused; the old targets stay', async () => {
    const original = await addMeasure({
      title: 'Keeps its targets',
      targetOfficialIds: recorded.slice(0, 3),
    });
    const before = await counts();
    const response = await server.gqlAs(editor, UPDATE_MEASURE, {
      id: original.id,
      input: {
        title: 'Should not be saved',
        targetOfficialIds: recorded,
        newTargets: newTargets(5000, 'Update overflow'),
      },
    });
    refused(response, 'BAD_USER_INPUT', 'input.newTargets');
    expect(await counts()).toEqual(before);
    const read = ok(
      await server.gql(
        `query($id: ID!) { measure(id: $id) { title targetCount targets { edges { node { id } } } } }`,
        { id: original.id },
      ),
    );
    expect(read.measure).toEqual({
      title: 'Keeps its targets',
      targetCount: 3,
      targets: { edges: recorded.slice(0, 3).map((id) => ({ node: { id } })) },
    });
  }, 120_000);
});

describe('updateMeasure cannot move announcedOn past liftedOn', () => {
  const READ = `query($id: ID!) { measure(id: $id) { title announcedOn status liftedOn createdAt updatedAt } }`;

  test('announcedOn after liftedOn is BAD_USER_INPUT naming input.announcedOn; nothing changes', async () => {
    const { id } = await addMeasure({ title: 'Lifted early', announcedOn: '2024-01-10' });
    const lifted = ok(await server.gqlAs(editor, LIFT_MEASURE, { id, on: '2024-03-01' }));
    expect(lifted.liftMeasure).toMatchObject({ status: 'LIFTED', liftedOn: '2024-03-01' });
    const stored = ok(await server.gql(READ, { id })).measure;
    const before = await counts();

    for (const input of [
      { announcedOn: '2024-03-02' },
      { title: 'Renamed with a bad date', announcedOn: '2025-01-01' },
    ]) {
      const response = await server.gqlAs(editor, UPDATE_MEASURE, { id, input });
      const { message } = refused(response, 'BAD_USER_INPUT', 'input.announcedOn');
      expect(message).toMatch(/lifted/);
    }

    expect(await counts()).toEqual(before);
    const read = ok(await server.gql(READ, { id })).measure;
    expect(read).toEqual(stored);
    expect(read).toMatchObject({
      title: 'Lifted early',
      announcedOn: '2024-01-10',
      status: 'LIFTED',
      liftedOn: '2024-03-01',
    });
  });

  test('announcedOn on the day it was lifted is accepted, and the lift is kept', async () => {
    const { id } = await addMeasure({ title: 'Lifted same day', announcedOn: '2024-01-10' });
    ok(await server.gqlAs(editor, LIFT_MEASURE, { id, on: '2024-03-01' }));
    const response = await server.gqlAs(editor, UPDATE_MEASURE, {
      id,
      input: { announcedOn: '2024-03-01' },
    });
    expect(ok(response).updateMeasure).toMatchObject({
      announcedOn: '2024-03-01',
      status: 'LIFTED',
      liftedOn: '2024-03-01',
    });
    const read = ok(await server.gql(READ, { id })).measure;
    expect(read).toMatchObject({
      announcedOn: '2024-03-01',
      status: 'LIFTED',
      liftedOn: '2024-03-01',
    });
  });
});

describe('addOfficial on its own', () => {
  const valid = { name: 'Valid Person', country: 'GB', category: 'OTHER' };

  test.each([
    [{ country: 'XX' }, 'input.country', /no country/],
    [{ country: 'GBR' }, 'input.country', /country code/],
    [{ country: '' }, 'input.country', /country code/],
    [{ country: 'g1' }, 'input.country', /country code/],
    [{ name: '' }, 'input.name', /empty/],
    [{ name: '   ' }, 'input.name', /empty/],
    [{ name: long(201) }, 'input.name', /at most 200/],
    [{ name: 'Bell\u0007Person' }, 'input.name', /control/],
    [{ name: 'Line\nbreak' }, 'input.name', /one line/],
    [{ name: 'Tab\there' }, 'input.name', /one line/],
    [{ name: 'Nul\u0000' }, 'input.name', /control/],
    [{ name: 'Delete\u007f' }, 'input.name', /control/],
    [{ name: 'Escape \u001b[31m red' }, 'input.name', /control/],
    [{ name: 'Lone \ud800 surrogate' }, 'input.name', /Unicode/],
    [{ nativeName: 'Bad\u0001' }, 'input.nativeName', /control/],
    [{ aliases: ['fine', 'bad\u0002'] }, 'input.aliases[1]', /control/],
    [{ position: long(201) }, 'input.position', /at most 200/],
    [{ wikidataId: 'Q0' }, 'input.wikidataId', /Wikidata/],
  ])('%#: %j is BAD_USER_INPUT and writes nothing', async (overrides, field, message) => {
    const before = await counts();
    const response = await server.gqlAs(editor, ADD_OFFICIAL, {
      input: { ...valid, ...overrides },
    });
    expect(refused(response, 'BAD_USER_INPUT', field).message).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  test('a name of exactly 200 characters is accepted', async () => {
    const name = `Long ${long(195)}`;
    const { addOfficial } = ok(
      await server.gqlAs(editor, ADD_OFFICIAL, { input: { ...valid, name } }),
    );
    expect(addOfficial.name).toBe(name);
  });

  test('records an official, readable by official(id) and through its country', async () => {
    const before = await counts();
    const { addOfficial } = ok(
      await server.gqlAs(editor, ADD_OFFICIAL, {
        input: {
          name: '  Kaja Rulestest  ',
          nativeName: 'Kaja Rulestest',
          aliases: [' K. Rulestest '],
          country: 'ee',
          position: 'Foreign Minister',
          category: 'MINISTER',
          wikidataId: 'Q987654321',
        },
      }),
    );
    const expected = {
      id: addOfficial.id,
      name: 'Kaja Rulestest',
      nativeName: 'Kaja Rulestest',
      aliases: ['K. Rulestest'],
      country: { code: 'EE' },
      position: 'Foreign Minister',
      category: 'MINISTER',
      wikidataId: 'Q987654321',
    };
    expect(addOfficial).toEqual(expected);
    const after = await counts();
    expect(after.official - before.official).toBe(1);
    expect(after.change_log - before.change_log).toBe(1);

    const read = ok(
      await server.gql(
        `query($id: ID!) {
          official(id: $id) { id name nativeName aliases country { code } position category wikidataId
            measures { totalCount } statements { totalCount } }
          country(code: "EE") { officials(filter: { name: "rulestest" }) { totalCount edges { node { id name } } } }
          officials(filter: { country: ["ee"], category: [MINISTER], name: "RULESTEST" }) { edges { node { id } } }
        }`,
        { id: addOfficial.id },
      ),
    );
    expect(read.official).toEqual({
      ...expected,
      measures: { totalCount: 0 },
      statements: { totalCount: 0 },
    });
    expect(read.country.officials).toEqual({
      totalCount: 1,
      edges: [{ node: { id: addOfficial.id, name: 'Kaja Rulestest' } }],
    });
    expect(read.officials.edges).toEqual([{ node: { id: addOfficial.id } }]);
    const [row] = await server.db.query<{ name: string; country_code: string }>(
      'SELECT name, country_code FROM official WHERE id = $1',
      [decodeIntId(addOfficial.id, 'Official', 'id')],
    );
    expect(row).toEqual({ name: 'Kaja Rulestest', country_code: 'EE' });
  });
});

describe('updateMeasure, read back through a separate query', () => {
  const READ = `query($id: ID!) { measure(id: $id) {
    id kind title summary imposedBy { code } targetCountry { code } beneficiaryCountry { code }
    targetCount targets { totalCount edges { node { name } } }
    announcedOn announcedOnPrecision effectiveFrom expiresOn indefinite status liftedOn
    sources { title url publisher publishedOn } createdAt updatedAt } }`;

  test('changed fields are stored, the rest kept, updatedAt moves past createdAt', async () => {
    const original = await addMeasure({
      kind: 'ASSET_FREEZE',
      title: 'Before the update',
      summary: 'Old summary',
      announcedOn: '2024-01-10',
      effectiveFrom: '2024-01-15',
      newTargets: newTargets(1, 'Original target'),
      targetCount: 5,
    });
    const stored = ok(await server.gql(READ, { id: original.id })).measure;
    expect(stored.createdAt).toBe(stored.updatedAt);
    await sleep(20);

    const before = await counts();
    ok(
      await server.gqlAs(editor, UPDATE_MEASURE, {
        id: original.id,
        input: {
          kind: 'SANCTIONS_PACKAGE',
          title: '  After the update  ',
          summary: null,
          targetCountry: 'de',
          announcedOn: '2024-01-12',
          announcedOnPrecision: 'MONTH',
          expiresOn: '2099-01-01',
          targetCount: 7,
          status: 'SUSPENDED',
          sources: [{ title: 'Amended gazette', publisher: 'Kremlin', publishedOn: '2024-01-12' }],
        },
      }),
    );
    const after = await counts();
    expect(after.measure).toBe(before.measure);
    expect(after.change_log - before.change_log).toBe(1);

    const read = ok(await server.gql(READ, { id: original.id })).measure;
    expect(read).toEqual({
      ...stored,
      kind: 'SANCTIONS_PACKAGE',
      title: 'After the update',
      summary: null,
      targetCountry: { code: 'DE' },
      announcedOn: '2024-01-01', // a MONTH date is stored on its first day
      announcedOnPrecision: 'MONTH',
      expiresOn: '2099-01-01',
      targetCount: 7,
      status: 'SUSPENDED',
      sources: [
        { title: 'Amended gazette', url: null, publisher: 'Kremlin', publishedOn: '2024-01-12' },
      ],
      updatedAt: read.updatedAt,
    });
    // Kept: imposedBy, effectiveFrom, targets, createdAt.
    expect(read).toMatchObject({
      imposedBy: { code: 'RU' },
      effectiveFrom: '2024-01-15',
      targets: { totalCount: 1, edges: [{ node: { name: 'Original target 1' } }] },
      createdAt: original.createdAt,
    });
    expect(Date.parse(read.updatedAt)).toBeGreaterThan(Date.parse(read.createdAt));
    expect(Date.parse(read.updatedAt)).toBeGreaterThan(Date.parse(original.updatedAt));
    const [log] = await server.db.query<{ entity: string; entity_id: number; action: string }>(
      'SELECT entity, entity_id, action FROM change_log ORDER BY seq DESC LIMIT 1',
    );
    expect(log).toEqual({
      entity: 'Measure',
      entity_id: decodeIntId(original.id, 'Measure', 'id'),
      action: 'updated',
    });
  });
});

describe('status and text rules of addMeasure', () => {
  test('status LIFTED is refused on add (liftMeasure records the date), nothing written', async () => {
    const before = await counts();
    const { message } = refused(
      await server.gqlAs(editor, ADD_MEASURE, { input: measureInput({ status: 'LIFTED' }) }),
      'BAD_USER_INPUT',
      'input.status',
    );
    expect(message).toMatch(/liftMeasure/);
    expect(await counts()).toEqual(before);
  });

  test('status LIFTED with the externalId of a stored measure answers with that measure', async () => {
    const stored = ok(
      await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({ externalId: 'lifted-replay' }),
      }),
    ).addMeasure;
    const before = await counts();
    const replay = ok(
      await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({ externalId: 'lifted-replay', status: 'LIFTED' }),
      }),
    ).addMeasure;
    expect(replay.id).toBe(stored.id);
    expect(await counts()).toEqual(before);
  });

  test.each([
    ['a C1 control (U+0085, next line)', 'Ban\u0085list'],
    ['a C1 control (U+009B, CSI)', 'Ban\u009b31mlist'],
  ])('a title with %s is refused', async (_, title) => {
    const before = await counts();
    const { message } = refused(
      await server.gqlAs(editor, ADD_MEASURE, { input: measureInput({ title }) }),
      'BAD_USER_INPUT',
      'input.title',
    );
    expect(message).toMatch(/control characters/);
    expect(await counts()).toEqual(before);
  });

  test('letters beyond Latin-1 and ordinary punctuation are not control characters', async () => {
    const title = 'Запрет въезда — 入国禁止 «Ē»';
    const created = await server.gqlAs(editor, ADD_MEASURE, { input: measureInput({ title }) });
    expect(created.errors).toBeUndefined();
    const read = await server.gql('query($id: ID!) { measure(id: $id) { title } }', {
      id: (created.data as { addMeasure: { id: string } }).addMeasure.id,
    });
    expect(read.data).toEqual({ measure: { title } });
  });
});

test('addStatement linking measures updates them: updatedAt moves and the change log says so', async () => {
  const measure = await addMeasure();
  const before = await counts();
  await sleep(20);
  const added = ok(
    await server.gqlAs(
      editor,
      `mutation($input: AddStatementInput!) { addStatement(input: $input) { id measures { id updatedAt } } }`,
      {
        input: {
          issuedOn: '2024-01-11',
          country: 'RU',
          issuer: 'Ministry of Foreign Affairs',
          text: 'The ban stands.',
          measureIds: [measure.id],
          sources: [{ title: 'Statement source' }],
        },
      },
    ),
  ) as { addStatement: { id: string; measures: { id: string; updatedAt: string }[] } };
  expect(added.addStatement.measures).toHaveLength(1);
  expect(Date.parse(added.addStatement.measures[0]!.updatedAt)).toBeGreaterThan(
    Date.parse(measure.updatedAt),
  );
  const after = await counts();
  expect(after.change_log - before.change_log).toBe(2);
  const rows = await server.db.query<{ entity: string; action: string; entity_id: number }>(
    'SELECT entity, action, entity_id FROM change_log ORDER BY seq DESC LIMIT 2',
  );
  expect(rows).toEqual([
    { entity: 'Measure', action: 'updated', entity_id: decodeIntId(measure.id, 'Measure', 'id') },
    {
      entity: 'Statement',
      action: 'added',
      entity_id: decodeIntId(added.addStatement.id, 'Statement', 'id'),
    },
  ]);
});
