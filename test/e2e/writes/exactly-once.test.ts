import { Role } from '../../../src/auth/role';
import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';

let server: TestServer;
let editor: string;

beforeAll(async () => {
  // A pool smaller than the number of callers, as in production: requests queue for connections.
  server = await startTestServer({ dbPoolSize: 10 });
  ({ key: editor } = await server.createKey(Role.EDITOR));
});
afterAll(stopAllServers);

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
