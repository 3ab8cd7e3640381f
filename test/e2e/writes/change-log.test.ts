/**
 * The write path's bookkeeping: what the change log records when links change or nothing does,
 * updatedAt in commit order, a key revoked under an open WebSocket, and the apikey CLI's usage
 * errors. Found by a review of the writes issue.
 */
import { Client } from 'pg';
import { Role } from '../../../src/auth/role';
import { ok } from '../../helpers/assertions';
import {
  insertMeasure,
  insertOfficial,
  insertStatement,
  measureInput,
} from '../../helpers/fixtures';
import { ensureBuilt, runCli } from '../../helpers/processes';
import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';
import { connect, disposeClients } from '../../helpers/ws';

let server: TestServer;
let admin: string;
let editor: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key: admin } = await server.createKey(Role.ADMIN, 'Review admin'));
  ({ key: editor } = await server.createKey(Role.EDITOR, 'Review editor'));
});
afterAll(async () => {
  await disposeClients();
  await stopAllServers();
});

async function lastSeq(): Promise<number> {
  const [row] = await server.db.query<{ seq: string | null }>(
    'SELECT max(seq) AS seq FROM change_log',
  );
  return Number(row!.seq ?? 0);
}

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
    const before = await lastSeq();
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
    const before = await lastSeq();
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
    const before = await lastSeq();
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

describe('API keys', () => {
  test('a key revoked while its WebSocket is open is no longer accepted on that socket', async () => {
    const { key, id } = await server.createKey(Role.EDITOR, 'Socket user');
    const client = connect(server.url, { authorization: `Bearer ${key}` });
    const first = client.subscribe('subscription { measureAdded { id } }');
    await new Promise((r) => setTimeout(r, 300));
    ok(
      await server.gqlAs(admin, 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', {
        id,
      }),
    );
    // A new subscription after the revocation is refused, and the socket closed with 4403.
    const second = client.subscribe('subscription { measureAdded { id title } }');
    expect((await client.closed).code).toBe(4403);
    ok(await server.gqlAs(editor, ADD_MEASURE, { input: measureInput({ title: 'After revoke' }) }));
    await new Promise((r) => setTimeout(r, 500));
    expect(second.events).toHaveLength(0);
    void first;
  });
});

describe('the apikey CLI on bad input', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  test('usage errors exit 64 like the others; an out-of-range id is not a raw SQL error', async () => {
    const env = { DATABASE_URL: server.db.url };
    // A misspelt option is a usage error like a missing one (which exits 64), not a crash (1).
    const misspelt = await runCli('apikey', ['create', '--rol', 'editor', '--name', 'X'], env);
    const missing = await runCli('apikey', ['create', '--role', 'editor'], env);
    expect(missing.code).toBe(64);
    expect(misspelt.code).toBe(missing.code);
    // The API refuses this id as "not a valid ID"; so does the CLI, before reaching PostgreSQL.
    const huge = await runCli('apikey', ['revoke', '99999999999'], env);
    expect(huge.code).toBe(64);
    expect(huge.stderr).not.toMatch(/out of range for type integer/);
  }, 120_000);
});
