/**
 * The change log the live feed reads: what it records when links change or nothing does, the key
 * and request of every write kind, updatedAt in commit order, and its append-only rule, enforced
 * by the database itself.
 */
import { Client } from 'pg';
import { Role } from '../../../src/auth/role';
import { ok } from '../../helpers/assertions';
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
import { ADD_OFFICIAL, lastSeq, LIFT_MEASURE, numericId } from '../../helpers/writes';

let server: TestServer;
let editor: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key: editor } = await server.createKey(Role.EDITOR, 'Review editor'));
});
afterAll(cleanUp);

async function changesAfter(seq: number) {
  return server.db.query<{ entity: string; entity_id: number; action: string }>(
    'SELECT entity, entity_id, action FROM change_log WHERE seq > $1 ORDER BY seq',
    [seq],
  );
}

const ADD_MEASURE =
  'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id title updatedAt statements { id } } }';
const UPDATE_MEASURE =
  'mutation($id: ID!, $input: UpdateMeasureInput!) { updateMeasure(id: $id, input: $input) { id title updatedAt statements { id } } }';

describe('change log and updatedAt', () => {
  test('updateMeasure that changes nothing appends no change-log row and leaves updatedAt', async () => {
    const { addMeasure } = ok(
      await server.gqlAs(editor, ADD_MEASURE, { input: measureInput({ title: 'Unchanged' }) }),
    );
    await new Promise((r) => setTimeout(r, 50));
    const before = await lastSeq(server.db);
    const { updateMeasure } = ok(
      await server.gqlAs(editor, UPDATE_MEASURE, {
        id: addMeasure.id,
        input: { title: 'Unchanged' },
      }),
    );
    // measureUpdated is "Measures whose fields or status changed": nothing changed here.
    expect(await changesAfter(before)).toEqual([]);
    expect(updateMeasure.updatedAt).toBe(addMeasure.updatedAt);
  });

  test('updateMeasure relinking statements logs the statements whose measures changed', async () => {
    const m = await insertMeasure(server.db, {
      title: 'Links',
      imposedBy: 'GB',
      announcedOn: '2024-01-01',
    });
    const s1 = await insertStatement(server.db, {
      country: 'GB',
      issuedOn: '2024-01-02',
      measures: [m.id],
    });
    const s2 = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-01-03' });
    const before = await lastSeq(server.db);
    ok(
      await server.gqlAs(editor, UPDATE_MEASURE, {
        id: m.globalId,
        input: { statementIds: [s2.globalId] },
      }),
    );
    const rows = await changesAfter(before);
    // s1.measures lost m, s2.measures gained m: both statements changed.
    expect(rows).toEqual(
      expect.arrayContaining([
        { entity: 'Statement', entity_id: s1.id, action: 'updated' },
        { entity: 'Statement', entity_id: s2.id, action: 'updated' },
      ]),
    );
  });

  test('liftMeasure linking the announcing statement logs that statement as changed', async () => {
    const m = await insertMeasure(server.db, {
      title: 'Lift link',
      imposedBy: 'GB',
      announcedOn: '2024-01-01',
    });
    const s = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-03-01' });
    const before = await lastSeq(server.db);
    ok(
      await server.gqlAs(
        editor,
        'mutation($id: ID!, $s: ID) { liftMeasure(id: $id, liftedOn: "2024-03-01", statementId: $s) { id } }',
        { id: m.globalId, s: s.globalId },
      ),
    );
    // statement(s).measures now includes m: the statement changed too.
    expect(await changesAfter(before)).toContainEqual({
      entity: 'Statement',
      entity_id: s.id,
      action: 'updated',
    });
  });

  test('updatedAt never moves backwards: a write that commits later leaves a later updatedAt', async () => {
    const m = await insertMeasure(server.db, {
      title: 'Clock',
      imposedBy: 'GB',
      announcedOn: '2024-01-01',
    });
    const speaker = await insertOfficial(server.db, { name: 'Slow speaker', country: 'GB' });
    // A separate session holds the speaker's row, so addStatement (which names the speaker and
    // links the measure) starts its transaction now but waits at its INSERT INTO statement.
    const blocker = new Client({ connectionString: server.db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM official WHERE id = $1 FOR UPDATE', [speaker.id]);
      const slow = server.gqlAs(
        editor,
        'mutation($input: AddStatementInput!) { addStatement(input: $input) { id } }',
        {
          input: {
            issuedOn: '2024-02-01',
            country: 'GB',
            issuer: 'MFA',
            text: 'Slow',
            speakerId: speaker.globalId,
            measureIds: [m.globalId],
            sources: [{ title: 'S' }],
          },
        },
      );
      // Wait until it is blocked on the lock.
      for (let i = 0; i < 100; i++) {
        const [row] = await server.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (row!.n > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
      // Meanwhile an update of the measure starts and commits.
      const { updateMeasure } = ok(
        await server.gqlAs(editor, UPDATE_MEASURE, { id: m.globalId, input: { title: 'Clock 2' } }),
      );
      await blocker.query('COMMIT');
      ok(await slow);
      const { measure } = ok(
        await server.gql('query($id: ID!) { measure(id: $id) { updatedAt statements { id } } }', {
          id: m.globalId,
        }),
      );
      expect(measure.statements).toHaveLength(1);
      // The statement was linked after the update committed: updatedAt must not go back.
      expect(new Date(measure.updatedAt).getTime()).toBeGreaterThanOrEqual(
        new Date(updateMeasure.updatedAt).getTime(),
      );
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
    }
  });
});

const ADD_MEASURE_ID = 'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id } }';

describe('every write records the key that made it', () => {
  let admin: string;
  let adminId: string;
  let editor: string;
  let editorId: string;
  beforeAll(async () => {
    ({ key: admin, id: adminId } = await server.createKey(Role.ADMIN, 'Audit admin'));
    ({ key: editor, id: editorId } = await server.createKey(Role.EDITOR, 'Audit editor'));
  });
  const addMeasure = async (overrides: Record<string, unknown> = {}, key = editor) =>
    ok(await server.gqlAs(key, ADD_MEASURE_ID, { input: measureInput(overrides) })).addMeasure
      .id as string;

  describe('audit', () => {
    test('addOfficial, addMeasure, updateMeasure, liftMeasure, addStatement, createApiKey, revokeApiKey', async () => {
      const seq = await lastSeq(server.db);
      ok(
        await server.gqlAs(editor, ADD_OFFICIAL, {
          input: { name: 'Audit O', country: 'GB', category: 'OTHER' },
        }),
      );
      const m = await addMeasure({ title: 'Audit M' });
      ok(await server.gqlAs(editor, UPDATE_MEASURE, { id: m, input: { title: 'Audit M2' } }));
      ok(await server.gqlAs(editor, LIFT_MEASURE, { id: m, on: '2024-04-01' }));
      ok(
        await server.gqlAs(editor, ADD_STATEMENT, {
          input: statementInput('GB', { measureIds: [m] }),
        }),
      );
      const created = ok(
        await server.gqlAs(
          admin,
          'mutation { createApiKey(name: "Audit key", role: EDITOR) { key apiKey { id } } }',
        ),
      );
      ok(
        await server.gqlAs(
          admin,
          `mutation { revokeApiKey(id: "${created.createApiKey.apiKey.id}") { id } }`,
        ),
      );
      const rows = await server.db.query<{
        entity: string;
        action: string;
        api_key_id: number | null;
        request_id: string | null;
      }>(
        'SELECT entity, action, api_key_id, request_id FROM change_log WHERE seq > $1 ORDER BY seq',
        [seq],
      );
      const kinds = rows.map((r) => `${r.entity}:${r.action}`);
      expect(kinds).toEqual(
        expect.arrayContaining([
          'Official:added',
          'Measure:added',
          'Measure:updated',
          'Measure:lifted',
          'Statement:added',
          'ApiKey:added',
          'ApiKey:revoked',
        ]),
      );
      for (const r of rows) {
        const expected = r.entity === 'ApiKey' ? numericId(adminId) : numericId(editorId);
        expect({ kind: `${r.entity}:${r.action}`, key: r.api_key_id }).toEqual({
          kind: `${r.entity}:${r.action}`,
          key: expected,
        });
        expect(r.request_id).toBeTruthy();
      }
    });
  });
});

test('the change log is append-only in the database: UPDATE, DELETE and TRUNCATE fail', async () => {
  for (const statement of [
    'UPDATE change_log SET entity_id = entity_id',
    'DELETE FROM change_log',
    'TRUNCATE change_log',
  ]) {
    await expect(server.db.query(statement)).rejects.toThrow(/change_log is append-only/);
  }
  const [{ count }] = await server.db.query<{ count: string }>('SELECT count(*) FROM change_log');
  expect(Number(count)).toBeGreaterThan(0);
});
