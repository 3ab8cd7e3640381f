import { Role } from '../../../src/auth/role';
import { ok, rowCount } from '../../helpers/assertions';
import { cleanUp } from '../../helpers/cleanup';
import { insertStatement, measureInput } from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';
import { lastSeq } from '../../helpers/writes';

let server: TestServer;
let editor: string;

beforeAll(async () => {
  // A pool smaller than the number of callers, as in production: requests queue for connections.
  // They may queue for long on a loaded machine: how long is not what this file checks (a pool
  // kept busy past the connect timeout is http/error-masking's case), so the wait is generous.
  server = await startTestServer({ dbPoolSize: 10, dbConnectTimeoutMs: 60_000 });
  ({ key: editor } = await server.createKey(Role.EDITOR));
});
afterAll(cleanUp);

const ADD = `mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id title } }`;

function input(externalId: string, title: string) {
  return {
    kind: 'ENTRY_BAN',
    title,
    imposedBy: 'RU',
    targetCountry: 'JP',
    announcedOn: '2022-05-04',
    indefinite: true,
    newTargets: [{ name: `Target of ${title}`, country: 'JP', category: 'OTHER' }],
    sources: [{ title: 'Wire report' }],
    externalId,
  };
}

async function rows(externalId: string) {
  const [row] = await server.db.query<{ measures: number; officials: number; changes: number }>(
    `SELECT (SELECT count(*)::int FROM measure WHERE external_id = $1) AS measures,
            (SELECT count(*)::int FROM official WHERE name LIKE 'Target of ' || $1 || '%') AS officials,
            (SELECT count(*)::int FROM change_log c JOIN measure m ON c.entity = 'Measure' AND c.entity_id = m.id
              WHERE m.external_id = $1) AS changes`,
    [externalId],
  );
  return row!;
}

test('50 simultaneous adds with one externalId leave one measure, and all 50 get its id', async () => {
  const externalId = 'wire:2022-05-04:ru-ban';
  const responses = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      server.gqlAs(editor, ADD, { input: input(externalId, `${externalId} #${i}`) }),
    ),
  );
  for (const response of responses) expect(response.errors).toBeUndefined();
  const ids = new Set(responses.map((r) => r.data.addMeasure.id));
  expect(ids.size).toBe(1);
  // Every caller sees the winner's content, and only the winner's targets were recorded.
  const titles = new Set(responses.map((r) => r.data.addMeasure.title));
  expect(titles.size).toBe(1);
  expect(await rows(externalId)).toEqual({ measures: 1, officials: 1, changes: 1 });
});

test('a later add with the same externalId returns the existing measure and writes nothing', async () => {
  const externalId = 'wire:later';
  const first = await server.gqlAs(editor, ADD, {
    input: input(externalId, `${externalId} first`),
  });
  const [before] = await server.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM change_log',
  );
  const second = await server.gqlAs(editor, ADD, {
    input: input(externalId, `${externalId} second, different`),
  });
  expect(second.data.addMeasure).toEqual(first.data.addMeasure);
  const [after] = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM change_log');
  expect(after!.n).toBe(before!.n);
  expect(await rows(externalId)).toEqual({ measures: 1, officials: 1, changes: 1 });
});

test('concurrent officials with the same Wikidata item: one is recorded, the rest are CONFLICT', async () => {
  for (let round = 0; round < 5; round++) {
    const wikidataId = `Q9${round}7531`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        server.gqlAs(
          editor,
          'mutation($input: AddOfficialInput!) { addOfficial(input: $input) { id } }',
          { input: { name: `Racer ${round}.${i}`, country: 'JP', category: 'OTHER', wikidataId } },
        ),
      ),
    );
    const codes = responses.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual([...Array(9).fill('CONFLICT'), 'OK']);
    const [{ n }] = await server.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM official WHERE wikidata_id = $1',
      [wikidataId],
    );
    expect(n).toBe(1);
  }
});

const ADD_MEASURE_ID = 'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id } }';

describe('differing content', () => {
  const addMeasure = async (overrides: Record<string, unknown> = {}, key = editor) =>
    ok(await server.gqlAs(key, ADD_MEASURE_ID, { input: measureInput(overrides) })).addMeasure
      .id as string;

  describe('the same externalId', () => {
    test('a second add with the same externalId and different content returns the first and writes nothing', async () => {
      const first = await addMeasure({ title: 'Ext first', externalId: 'review3-ext-1' });
      const before = {
        measures: await rowCount(server.db, 'measure'),
        officials: await rowCount(server.db, 'official'),
        sources: await rowCount(server.db, 'source'),
        targets: await rowCount(server.db, 'measure_target'),
        links: await rowCount(server.db, 'statement_measure'),
        seq: await lastSeq(server.db),
      };
      const s = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-01-01' });
      const linksBefore = await rowCount(server.db, 'statement_measure');
      const sourcesBefore = await rowCount(server.db, 'source');
      const r = ok(
        await server.gqlAs(editor, ADD_MEASURE_ID, {
          input: measureInput({
            title: 'Ext second, different',
            externalId: ' review3-ext-1 ',
            newTargets: [{ name: 'Should not exist', country: 'JP', category: 'OTHER' }],
            statementIds: [s.globalId],
            sources: [{ title: 'Another' }, { title: 'And another' }],
          }),
        }),
      );
      expect(r.addMeasure.id).toBe(first);
      expect(await rowCount(server.db, 'measure')).toBe(before.measures);
      expect(await rowCount(server.db, 'official')).toBe(before.officials);
      expect(await rowCount(server.db, 'source')).toBe(sourcesBefore);
      expect(await rowCount(server.db, 'measure_target')).toBe(before.targets);
      expect(await rowCount(server.db, 'statement_measure')).toBe(linksBefore);
      expect(await lastSeq(server.db)).toBe(before.seq);
    });

    test('20 concurrent adds with one externalId and differing content: one row, one id', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          server.gqlAs(editor, ADD_MEASURE_ID, {
            input: measureInput({
              title: `Concurrent ext ${i}`,
              externalId: 'review3-ext-concurrent',
              newTargets: [{ name: `Conc target ${i}`, country: 'JP', category: 'OTHER' }],
            }),
          }),
        ),
      );
      const ids = new Set(results.map((r) => ok(r).addMeasure.id));
      expect(ids.size).toBe(1);
      const [row] = await server.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM measure WHERE external_id = 'review3-ext-concurrent'",
      );
      expect(row!.n).toBe(1);
      const [officials] = await server.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM official WHERE name LIKE 'Conc target %'",
      );
      expect(officials!.n).toBe(1);
    });
  });
});
