import { Role } from '../../../src/auth/role';
import { decodeIntId, encodeGlobalId } from '../../../src/common/global-id';
import { ok, rowCount } from '../../helpers/assertions';
import { cleanUp } from '../../helpers/cleanup';
import {
  measureInput as fixtureMeasure,
  insertOfficial,
  insertStatement,
} from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';
import {
  ADD_OFFICIAL,
  codeOf,
  lastSeq,
  LIFT_MEASURE,
  numericId,
  rowCounts,
  UPDATE_MEASURE,
} from '../../helpers/writes';

let server: TestServer;
let editor: string;
let editorId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key: editor, id: editorId } = await server.createKey(Role.EDITOR, 'Newsroom'));
});
afterAll(cleanUp);

const MEASURE_FIELDS = `id kind title summary imposedBy { code } targetCountry { code } beneficiaryCountry { code }
  targets(first: 100) { totalCount edges { node { id name nativeName aliases category country { code } wikidataId position } } }
  targetCount announcedOn announcedOnPrecision effectiveFrom expiresOn indefinite status liftedOn
  inResponseTo { id } responses { id } statements { id } sources { title url publisher publishedOn }
  createdAt updatedAt`;

const ADD_MEASURE = `mutation($input: AddMeasureInput!) { addMeasure(input: $input) { ${MEASURE_FIELDS} } }`;

function measureInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'SANCTIONS_PACKAGE',
    title: 'Test package',
    imposedBy: 'gb',
    targetCountry: 'RU',
    announcedOn: '2024-02-01',
    sources: [
      {
        title: 'Gazette',
        url: 'https://example.org/gazette',
        publisher: 'HMG',
        publishedOn: '2024-02-01',
      },
    ],
    ...overrides,
  };
}

describe('addOfficial', () => {
  test('records an official, readable with all fields', async () => {
    const { addOfficial } = ok(
      await server.gqlAs(
        editor,
        `mutation($input: AddOfficialInput!) { addOfficial(input: $input) { id name nativeName aliases country { code } position category wikidataId } }`,
        {
          input: {
            name: ' Yoshimasa Hayashi ',
            nativeName: '林芳正',
            aliases: ['Hayashi Yoshimasa'],
            country: 'jp',
            position: 'Foreign Minister',
            category: 'MINISTER',
            wikidataId: 'Q3574455',
          },
        },
      ),
    );
    expect(addOfficial).toMatchObject({
      name: 'Yoshimasa Hayashi',
      nativeName: '林芳正',
      aliases: ['Hayashi Yoshimasa'],
      country: { code: 'JP' },
      position: 'Foreign Minister',
      category: 'MINISTER',
      wikidataId: 'Q3574455',
    });
    const again = ok(
      await server.gql(`{ node(id: "${addOfficial.id}") { ... on Official { name } } }`),
    );
    expect(again.node.name).toBe('Yoshimasa Hayashi');
  });

  test('a second official with the same Wikidata item is a CONFLICT', async () => {
    const response = await server.gqlAs(
      editor,
      `mutation { addOfficial(input: { name: "Dup", country: "JP", category: OTHER, wikidataId: "Q3574455" }) { id } }`,
    );
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'input.wikidataId',
    });
  });
});

describe('addMeasure', () => {
  test('records a measure with existing and new targets, the measure it answers, statements and sources', async () => {
    const existing = await insertOfficial(server.db, {
      name: 'Existing Target',
      country: 'RU',
      category: 'BUSINESS',
    });
    const answered = ok(
      await server.gqlAs(editor, ADD_MEASURE, { input: measureInput({ title: 'First move' }) }),
    );
    const statement = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-02-03' });
    const { addMeasure } = ok(
      await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({
          kind: 'ASSET_FREEZE',
          title: 'Counter move',
          summary: 'Freezes assets.\nSecond line.',
          imposedBy: 'RU',
          targetCountry: 'GB',
          targetOfficialIds: [existing.globalId],
          newTargets: [
            {
              name: 'New Target',
              nativeName: 'Новый',
              aliases: ['N. Target'],
              country: 'GB',
              category: 'JOURNALIST',
            },
          ],
          targetCount: 12,
          announcedOn: '2024-02-03',
          announcedOnPrecision: 'MONTH',
          effectiveFrom: '2024-02-10',
          expiresOn: '2035-02-10',
          status: 'ANNOUNCED',
          inResponseToId: answered.addMeasure.id,
          statementIds: [statement.globalId],
          externalId: 'test:counter-move',
        }),
      }),
    );
    expect(addMeasure).toMatchObject({
      kind: 'ASSET_FREEZE',
      title: 'Counter move',
      summary: 'Freezes assets.\nSecond line.',
      imposedBy: { code: 'RU' },
      targetCountry: { code: 'GB' },
      beneficiaryCountry: null,
      targetCount: 12,
      announcedOn: '2024-02-01', // sent as 2024-02-03: a MONTH date is stored on its first day
      announcedOnPrecision: 'MONTH',
      effectiveFrom: '2024-02-10',
      expiresOn: '2035-02-10',
      indefinite: false,
      status: 'ANNOUNCED',
      liftedOn: null,
      inResponseTo: { id: answered.addMeasure.id },
      responses: [],
      statements: [{ id: statement.globalId }],
      sources: [
        {
          title: 'Gazette',
          url: 'https://example.org/gazette',
          publisher: 'HMG',
          publishedOn: '2024-02-01',
        },
      ],
    });
    expect(addMeasure.targets.totalCount).toBe(2);
    expect(addMeasure.targets.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual([
      'Existing Target',
      'New Target',
    ]);
    expect(addMeasure.targets.edges[1].node).toMatchObject({
      nativeName: 'Новый',
      aliases: ['N. Target'],
      country: { code: 'GB' },
    });
    expect(addMeasure.createdAt).toBe(addMeasure.updatedAt);

    // Readable from every direction it links to.
    const read = ok(
      await server.gql(`{
        answered: measure(id: "${answered.addMeasure.id}") { responses { id } }
        official: node(id: "${existing.globalId}") { ... on Official { measures { edges { node { id } } } } }
        statement: statement(id: "${statement.globalId}") { measures { id } }
        country: country(code: "RU") { measuresImposed(filter: { kind: [ASSET_FREEZE] }) { edges { node { id } } } }
      }`),
    );
    expect(read.answered.responses).toEqual([{ id: addMeasure.id }]);
    expect(read.official.measures.edges).toEqual([{ node: { id: addMeasure.id } }]);
    expect(read.statement.measures).toEqual([{ id: addMeasure.id }]);
    expect(read.country.measuresImposed.edges).toEqual([{ node: { id: addMeasure.id } }]);
  });

  test('defaults: DAY precision, not indefinite, IN_FORCE, targetCount = named targets', async () => {
    const { addMeasure } = ok(
      await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({ newTargets: [{ name: 'One', country: 'RU', category: 'OTHER' }] }),
      }),
    );
    expect(addMeasure).toMatchObject({
      announcedOnPrecision: 'DAY',
      indefinite: false,
      status: 'IN_FORCE',
      targetCount: 1,
    });
  });

  test('an indefinite measure and an AID measure with a beneficiary', async () => {
    const { addMeasure } = ok(
      await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({
          kind: 'AID',
          imposedBy: 'JP',
          targetCountry: null,
          beneficiaryCountry: 'ua',
          indefinite: true,
        }),
      }),
    );
    expect(addMeasure).toMatchObject({
      kind: 'AID',
      targetCountry: null,
      beneficiaryCountry: { code: 'UA' },
      indefinite: true,
      expiresOn: null,
    });
  });

  test('every write is in the change log with the key and request that made it', async () => {
    const response = await server.gqlAs(editor, ADD_MEASURE, {
      input: measureInput({ title: 'Logged' }),
    });
    const { addMeasure } = ok(response);
    const [row] = await server.db.query<{
      entity: string;
      entity_id: number;
      action: string;
      api_key_id: number;
      request_id: string;
    }>(
      `SELECT entity, entity_id, action, api_key_id, request_id FROM change_log ORDER BY seq DESC LIMIT 1`,
    );
    expect(row).toEqual({
      entity: 'Measure',
      entity_id: Number(Buffer.from(addMeasure.id, 'base64url').toString().split(':')[1]),
      action: 'added',
      api_key_id: Number(Buffer.from(editorId, 'base64url').toString().split(':')[1]),
      request_id: response.headers.get('x-request-id'),
    });
  });
});

describe('atomicity: a write that fails halfway leaves nothing behind', () => {
  const counts = () => rowCounts(server.db);
  const sixtyThree = (last: Record<string, unknown>) => [
    ...Array.from({ length: 62 }, (_, i) => ({
      name: `Japanese national ${i + 1}`,
      country: 'JP',
      category: 'OTHER',
    })),
    last,
  ];

  test('the 63rd new target conflicts with a recorded official (found inside the transaction)', async () => {
    await insertOfficial(server.db, { name: 'Taken', country: 'JP' });
    await server.db.query(`UPDATE official SET wikidata_id = 'Q999000111' WHERE name = 'Taken'`);
    const before = await counts();
    const response = await server.gqlAs(editor, ADD_MEASURE, {
      input: measureInput({
        kind: 'ENTRY_BAN',
        newTargets: sixtyThree({
          name: 'Number 63',
          country: 'JP',
          category: 'OTHER',
          wikidataId: 'Q999000111',
        }),
      }),
    });
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'input.newTargets[62].wikidataId',
    });
    expect(await counts()).toEqual(before);
  });

  test('the 63rd new target is invalid', async () => {
    const before = await counts();
    const response = await server.gqlAs(editor, ADD_MEASURE, {
      input: measureInput({
        newTargets: sixtyThree({ name: 'Bad\u0007name', country: 'JP', category: 'OTHER' }),
      }),
    });
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.newTargets[62].name',
    });
    expect(await counts()).toEqual(before);
  });

  test('a referenced statement that does not exist', async () => {
    const before = await counts();
    const response = await server.gqlAs(editor, ADD_MEASURE, {
      input: measureInput({
        newTargets: [{ name: 'Someone', country: 'JP', category: 'OTHER' }],
        statementIds: [encodeGlobalId('Statement', 99999)],
      }),
    });
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.statementIds[0]',
    });
    expect(await counts()).toEqual(before);
  });
});

describe('updateMeasure', () => {
  test('changes given fields, clears nulls, replaces targets and sources, keeps the rest', async () => {
    const original = ok(
      await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({
          summary: 'Old',
          newTargets: [{ name: 'Old target', country: 'RU', category: 'OTHER' }],
        }),
      }),
    ).addMeasure;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { updateMeasure } = ok(
      await server.gqlAs(
        editor,
        `mutation($id: ID!, $input: UpdateMeasureInput!) { updateMeasure(id: $id, input: $input) { ${MEASURE_FIELDS} } }`,
        {
          id: original.id,
          input: {
            title: 'Amended',
            summary: null,
            targetCountry: 'BY',
            newTargets: [
              { name: 'Replacement A', country: 'BY', category: 'OTHER' },
              { name: 'Replacement B', country: 'BY', category: 'OTHER' },
            ],
            targetCount: 40,
            sources: [{ title: 'Corrected source' }],
          },
        },
      ),
    );
    expect(updateMeasure).toMatchObject({
      id: original.id,
      title: 'Amended',
      summary: null,
      targetCountry: { code: 'BY' },
      imposedBy: { code: 'GB' },
      announcedOn: original.announcedOn,
      targetCount: 40,
      sources: [{ title: 'Corrected source', url: null, publisher: null, publishedOn: null }],
      createdAt: original.createdAt,
    });
    expect(updateMeasure.targets.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(
      ['Replacement A', 'Replacement B'],
    );
    expect(Date.parse(updateMeasure.updatedAt)).toBeGreaterThan(Date.parse(original.updatedAt));
    const [log] = await server.db.query<{ action: string }>(
      `SELECT action FROM change_log WHERE entity = 'Measure' ORDER BY seq DESC LIMIT 1`,
    );
    expect(log!.action).toBe('updated');
  });

  test('an unknown measure is NOT_FOUND; a required field set to null is BAD_USER_INPUT', async () => {
    const missing = await server.gqlAs(
      editor,
      `mutation { updateMeasure(id: "${encodeGlobalId('Measure', 999999)}", input: { title: "x" }) { id } }`,
    );
    expect(missing.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    const { addMeasure } = ok(await server.gqlAs(editor, ADD_MEASURE, { input: measureInput() }));
    const nulled = await server.gqlAs(
      editor,
      `mutation { updateMeasure(id: "${addMeasure.id}", input: { title: null }) { id } }`,
    );
    expect(nulled.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.title',
    });
  });
});

describe('updateMeasure: targets and status', () => {
  const UPDATE = `mutation($id: ID!, $input: UpdateMeasureInput!) { updateMeasure(id: $id, input: $input) { targetCount status liftedOn targets { totalCount } } }`;

  test('new targets without a targetCount raise the count to cover them, never lower it', async () => {
    const { addMeasure } = ok(
      await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({
          newTargets: [{ name: 'First of three', country: 'RU', category: 'OTHER' }],
          targetCount: 3,
        }),
      }),
    );
    const names = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        name: `Named ${n}.${i}`,
        country: 'RU',
        category: 'OTHER',
      }));
    const five = ok(
      await server.gqlAs(editor, UPDATE, { id: addMeasure.id, input: { newTargets: names(5) } }),
    );
    expect(five.updateMeasure).toMatchObject({ targetCount: 5, targets: { totalCount: 5 } });
    const two = ok(
      await server.gqlAs(editor, UPDATE, { id: addMeasure.id, input: { newTargets: names(2) } }),
    );
    expect(two.updateMeasure).toMatchObject({ targetCount: 5, targets: { totalCount: 2 } });
    // An explicit count below the named targets is still refused.
    const low = await server.gqlAs(editor, UPDATE, {
      id: addMeasure.id,
      input: { newTargets: names(3), targetCount: 1 },
    });
    expect(low.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.targetCount',
    });
  });

  test('status LIFTED is refused: liftMeasure records the date and announces the lift', async () => {
    const { addMeasure } = ok(await server.gqlAs(editor, ADD_MEASURE, { input: measureInput() }));
    const response = await server.gqlAs(editor, UPDATE, {
      id: addMeasure.id,
      input: { status: 'LIFTED' },
    });
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.status',
    });
    const [row] = await server.db.query<{ status: string }>(
      'SELECT status FROM measure WHERE id = $1',
      [decodeIntId(addMeasure.id, 'Measure', 'id')],
    );
    expect(row!.status).toBe('IN_FORCE');
  });
});

describe('liftMeasure', () => {
  test('lifts, links the announcing statement, and refuses to lift twice', async () => {
    const { addMeasure } = ok(
      await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({ announcedOn: '2024-01-10' }),
      }),
    );
    const statement = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-06-01' });
    const LIFT = `mutation($id: ID!, $on: Date!, $s: ID) { liftMeasure(id: $id, liftedOn: $on, statementId: $s) { status liftedOn statements { id } updatedAt } }`;
    const { liftMeasure } = ok(
      await server.gqlAs(editor, LIFT, {
        id: addMeasure.id,
        on: '2024-06-01',
        s: statement.globalId,
      }),
    );
    expect(liftMeasure).toMatchObject({
      status: 'LIFTED',
      liftedOn: '2024-06-01',
      statements: [{ id: statement.globalId }],
    });
    const again = await server.gqlAs(editor, LIFT, { id: addMeasure.id, on: '2024-06-02' });
    expect(again.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT' });
    const lifted = ok(
      await server.gql(`{ measures(filter: { status: [LIFTED] }) { edges { node { id } } } }`),
    );
    expect(lifted.measures.edges).toContainEqual({ node: { id: addMeasure.id } });
  });

  test('liftedOn before the announcement, an unknown measure or statement', async () => {
    const { addMeasure } = ok(
      await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({ announcedOn: '2024-03-01' }),
      }),
    );
    const early = await server.gqlAs(
      editor,
      `mutation { liftMeasure(id: "${addMeasure.id}", liftedOn: "2024-02-28") { id } }`,
    );
    expect(early.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'liftedOn',
    });
    const unknown = await server.gqlAs(
      editor,
      `mutation { liftMeasure(id: "${encodeGlobalId('Measure', 999999)}", liftedOn: "2024-03-02") { id } }`,
    );
    expect(unknown.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    const statement = await server.gqlAs(
      editor,
      `mutation { liftMeasure(id: "${addMeasure.id}", liftedOn: "2024-03-02", statementId: "${encodeGlobalId('Statement', 999999)}") { id } }`,
    );
    expect(statement.errors![0]!.extensions).toMatchObject({
      code: 'NOT_FOUND',
      field: 'statementId',
    });
    const still = ok(await server.gql(`{ measure(id: "${addMeasure.id}") { status } }`));
    expect(still.measure.status).toBe('IN_FORCE');
  });
});

describe('addStatement', () => {
  test('records a statement with its speaker, quotes, measures and sources', async () => {
    const speaker = await insertOfficial(server.db, {
      name: 'Maria Zakharova',
      country: 'RU',
      category: 'DIPLOMAT',
    });
    const { addMeasure } = ok(
      await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({ imposedBy: 'RU', targetCountry: 'JP' }),
      }),
    );
    const { addStatement } = ok(
      await server.gqlAs(
        editor,
        `mutation($input: AddStatementInput!) { addStatement(input: $input) {
          id issuedOn issuedOnPrecision country { code } issuer speaker { name } title text quotes language measures { id } sources { title url }
        } }`,
        {
          input: {
            issuedOn: '2024-02-04',
            country: 'ru',
            issuer: 'Ministry of Foreign Affairs of the Russian Federation',
            speakerId: speaker.globalId,
            title: 'On measures',
            text: 'Paragraph one.\n\nParagraph two.',
            quotes: ['unprecedented anti-Russian campaign', 'indefinitely'],
            language: 'en',
            measureIds: [addMeasure.id, addMeasure.id],
            sources: [{ title: 'mid.ru', url: 'https://mid.ru/' }],
          },
        },
      ),
    );
    expect(addStatement).toMatchObject({
      issuedOn: '2024-02-04',
      issuedOnPrecision: 'DAY',
      country: { code: 'RU' },
      speaker: { name: 'Maria Zakharova' },
      text: 'Paragraph one.\n\nParagraph two.',
      quotes: ['unprecedented anti-Russian campaign', 'indefinitely'],
      language: 'en',
      measures: [{ id: addMeasure.id }],
      sources: [{ title: 'mid.ru', url: 'https://mid.ru/' }],
    });
    const read = ok(
      await server.gql(
        `{ measure(id: "${addMeasure.id}") { statements { id } } official(id: "${speaker.globalId}") { statements { totalCount } } }`,
      ),
    );
    expect(read.measure.statements).toEqual([{ id: addStatement.id }]);
    expect(read.official.statements.totalCount).toBe(1);
  });
});

const ADD_MEASURE_ID = 'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id } }';

describe('concurrent and failing updates', () => {
  let admin: string;
  beforeAll(async () => {
    ({ key: admin } = await server.createKey(Role.ADMIN, 'Lifting admin'));
  });
  const addMeasure = async (overrides: Record<string, unknown> = {}, key = editor) =>
    ok(await server.gqlAs(key, ADD_MEASURE_ID, { input: fixtureMeasure(overrides) })).addMeasure
      .id as string;

  describe('atomicity of updateMeasure', () => {
    test('updateMeasure whose 2nd new target conflicts leaves targets, officials and change log as they were', async () => {
      const existing = await server.gqlAs(editor, ADD_OFFICIAL, {
        input: { name: 'Wiki holder', country: 'JP', category: 'OTHER', wikidataId: 'Q98765431' },
      });
      ok(existing);
      const t = await insertOfficial(server.db, { name: 'Original T', country: 'RU' });
      const id = await addMeasure({ targetOfficialIds: [t.globalId] });
      const before = {
        officials: await rowCount(server.db, 'official'),
        seq: await lastSeq(server.db),
      };
      const r = await server.gqlAs(editor, UPDATE_MEASURE, {
        id,
        input: {
          title: 'Changed title',
          newTargets: [
            { name: 'Fresh', country: 'JP', category: 'OTHER' },
            { name: 'Dup wiki', country: 'JP', category: 'OTHER', wikidataId: 'Q98765431' },
          ],
        },
      });
      expect(r.errors?.[0]?.extensions).toMatchObject({
        code: 'CONFLICT',
        field: 'input.newTargets[1].wikidataId',
      });
      expect(await rowCount(server.db, 'official')).toBe(before.officials);
      expect(await lastSeq(server.db)).toBe(before.seq);
      const [m] = await server.db.query<{ title: string }>(
        'SELECT title FROM measure WHERE id = $1',
        [numericId(id)],
      );
      expect(m!.title).toBe('Test measure');
      const targets = await server.db.query<{ official_id: number }>(
        'SELECT official_id FROM measure_target WHERE measure_id = $1',
        [numericId(id)],
      );
      expect(targets.map((x) => x.official_id)).toEqual([t.id]);
    });
  });

  describe('concurrent lifts', () => {
    test('two concurrent lifts of one measure: exactly one wins, the other is CONFLICT; one change row', async () => {
      for (let round = 0; round < 3; round++) {
        const id = await addMeasure({ title: `Lift race ${round}`, announcedOn: '2024-01-01' });
        const seq = await lastSeq(server.db);
        const results = await Promise.all([
          server.gqlAs(editor, LIFT_MEASURE, { id, on: '2024-06-01' }),
          server.gqlAs(admin, LIFT_MEASURE, { id, on: '2024-07-01' }),
        ]);
        expect(results.map(codeOf).sort()).toEqual(['CONFLICT', 'OK']);
        const rows = await server.db.query<{ action: string }>(
          "SELECT action FROM change_log WHERE seq > $1 AND entity = 'Measure' AND entity_id = $2",
          [seq, numericId(id)],
        );
        expect(rows.map((x) => x.action)).toEqual(['lifted']);
      }
    });
  });
});
