import { Client } from 'pg';
import { Role } from '../../../src/auth/role';
import { cleanUp, onCleanup } from '../../helpers/cleanup';
import { adminQuery, TEST_ENV } from '../../setup/test-database';
import { startTestServer, type TestServer } from '../../helpers/server';
import { connect, disposeClients, type Received, type TestSubscription } from '../../helpers/ws';
import { sleep, waitUntil } from '../../helpers/wait';
import { measureInput } from '../../helpers/fixtures';

/**
 * The live feed's ordering and delivery guarantees under adversarial timing, forced with
 * triggers installed in this file's own database:
 *   - commits that finish out of the order their change-log seqs were drawn in;
 *   - writes that roll back after their change-log row (and NOTIFY) were issued;
 *   - a listener connection that is cut while the database stays up.
 *
 * The subscribing instance polls the change log only every 10 minutes, so whatever arrives here
 * arrives through NOTIFY or the listener's own catch-up, never through a poll that happens to run.
 */
let server: TestServer;
let editor: string;
/** A direct connection to the test database, for triggers and pg_stat_activity. */
let pg: Client;

const SLOW_TITLE = 'slow-commit';
const SLOW_SECONDS = 1.5;
const DOOMED_TITLE = 'doomed';
const DOOMED_AT_COMMIT_TITLE = 'doomed-at-commit';

beforeAll(async () => {
  server = await startTestServer({ livePollMs: 600_000 });
  // Never leave the database closed to new connections, whatever a failed test left behind.
  onCleanup(() => allowConnections(true).catch(() => undefined), 'before-servers');
  ({ key: editor } = await server.createKey(Role.EDITOR));
  pg = new Client({ connectionString: server.db.url });
  // Ended before the server drops its database under it.
  onCleanup(() => pg.end().catch(() => undefined), 'before-servers');
  await pg.connect();
  await pg.query(`
    -- Sleeps inside the INSERT INTO change_log of the measure titled 'slow-commit': its seq is
    -- drawn (nextval ran in that INSERT) but its transaction commits ${SLOW_SECONDS} s later.
    CREATE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM measure m WHERE m.id = NEW.entity_id AND m.title = '${SLOW_TITLE}') THEN
        PERFORM pg_sleep(${SLOW_SECONDS});
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER test_slow_commit AFTER INSERT ON change_log FOR EACH ROW
      WHEN (NEW.entity = 'Measure' AND NEW.action = 'added')
      EXECUTE FUNCTION test_slow_commit();

    -- Fails the write of a measure titled TG_ARGV[0].
    CREATE FUNCTION test_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM measure m WHERE m.id = NEW.entity_id AND m.title = TG_ARGV[0]) THEN
        RAISE EXCEPTION 'test trigger: measure % is doomed', NEW.entity_id;
      END IF;
      RETURN NULL;
    END $$;
    -- Immediately: at the end of the INSERT INTO change_log (before appendChanges' pg_notify).
    CREATE TRIGGER test_doomed AFTER INSERT ON change_log FOR EACH ROW
      WHEN (NEW.entity = 'Measure' AND NEW.action = 'added')
      EXECUTE FUNCTION test_doomed('${DOOMED_TITLE}');
    -- Deferred to COMMIT, i.e. after appendChanges' INSERT *and* its pg_notify were both issued:
    -- the transaction fails at the very last moment.
    CREATE CONSTRAINT TRIGGER test_doomed_at_commit AFTER INSERT ON change_log
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
      WHEN (NEW.entity = 'Measure' AND NEW.action = 'added')
      EXECUTE FUNCTION test_doomed('${DOOMED_AT_COMMIT_TITLE}');
  `);
});

afterEach(disposeClients);

afterAll(cleanUp);

/** Opens or closes the test database to new connections (run from the admin database). */
function allowConnections(allow: boolean): Promise<void> {
  return adminQuery(
    process.env[TEST_ENV.adminUrl]!,
    `ALTER DATABASE ${server.db.name} ALLOW_CONNECTIONS ${allow}`,
  );
}

const ADD = 'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id title } }';
const MEASURE_ADDED = 'subscription($since: ID) { measureAdded(since: $since) { id title } }';

function addMeasureRaw(title: string, target: TestServer = server) {
  return target.gqlAs(editor, ADD, { input: measureInput({ title }) });
}

async function addMeasure(title: string, target: TestServer = server): Promise<string> {
  const response = await addMeasureRaw(title, target);
  expect(response.errors).toBeUndefined();
  return response.data.addMeasure.id;
}

/** Resolves once the server has registered the subscription (its first `next` may be long off). */
const settle = () => sleep(150);

const titles = (events: Received[], field = 'measureAdded') =>
  events.map((event) => {
    expect(event.errors).toBeUndefined();
    return event.data[field].title as string;
  });

/** Waits for `count` events, then a little longer, so a duplicate or a straggler would show. */
async function exactly(sub: TestSubscription, count: number, timeoutMs = 5000) {
  await sub.waitFor(count, timeoutMs);
  await sleep(400);
  expect(sub.failed).toBeUndefined();
  return sub.events;
}

async function seqOfTitle(title: string): Promise<number> {
  const { rows } = await pg.query<{ seq: string }>(
    `SELECT c.seq FROM change_log c JOIN measure m ON m.id = c.entity_id
     WHERE c.entity = 'Measure' AND c.action = 'added' AND m.title = $1`,
    [title],
  );
  expect(rows).toHaveLength(1);
  return Number(rows[0]!.seq);
}

describe('commits out of seq order', () => {
  /*
   * Without the advisory lock in appendChanges (src/live/change-log.ts), this test fails:
   *   - 'slow-commit' draws seq N and then sleeps 1.5 s inside its transaction; 'fast-commit'
   *     would draw N+1 without waiting and commit at once. Its mutation would return first
   *     (the completion-order assertion fails).
   *   - Its NOTIFY would make the listener read `seq > position`, see N+1 but not the still
   *     invisible N, hand out fast and move its position to N+1. When slow commits, the read after
   *     N+1 finds nothing, and polling cannot help either (it reads after N+1 too): slow is never
   *     delivered live (the live subscriber's [before, slow, fast] assertion fails).
   *   - The resuming subscriber registers right after fast's mutation returned, i.e. while slow
   *     is still uncommitted: its replay up to the topic position cannot see N, and live
   *     delivery starts after N+1, so it too would get fast alone.
   * With the lock, fast waits for the lock until slow has committed, then draws N+1.
   */
  test('a seq drawn earlier but committed later is delivered first, live and on resume, once', async () => {
    const live = connect(server.url).subscribe(MEASURE_ADDED);
    await settle();
    const before = await addMeasure('before-slow');
    await live.waitFor(1);

    const finished: string[] = [];
    const slow = addMeasure(SLOW_TITLE).then((id) => {
      finished.push(SLOW_TITLE);
      return id;
    });
    // Wait until slow's transaction sleeps in the trigger: its change-log seq is drawn by then.
    await waitUntil('slow-commit to sleep in its trigger', async () => {
      const { rows } = await pg.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`,
      );
      return rows.length > 0;
    });
    await sleep(300);
    const fast = addMeasure('fast-commit').then((id) => {
      finished.push('fast-commit');
      return id;
    });

    const fastId = await fast;
    // A client that saw `before` resumes as soon as the fast write is acknowledged.
    const resumed = connect(server.url).subscribe(MEASURE_ADDED, { since: before });
    const slowId = await slow;

    expect(finished).toEqual([SLOW_TITLE, 'fast-commit']);
    expect(await seqOfTitle(SLOW_TITLE)).toBeLessThan(await seqOfTitle('fast-commit'));

    const liveEvents = await exactly(live, 3);
    expect(titles(liveEvents)).toEqual(['before-slow', SLOW_TITLE, 'fast-commit']);
    expect(liveEvents.map((e) => e.data.measureAdded.id)).toEqual([before, slowId, fastId]);

    const resumedEvents = await exactly(resumed, 2);
    expect(titles(resumedEvents)).toEqual([SLOW_TITLE, 'fast-commit']);
    expect(resumedEvents.map((e) => e.data.measureAdded.id)).toEqual([slowId, fastId]);

    // A client resuming now, long after both commits, replays the same two, in the same order.
    const later = connect(server.url).subscribe(MEASURE_ADDED, { since: before });
    expect(titles(await exactly(later, 2))).toEqual([SLOW_TITLE, 'fast-commit']);
  }, 20_000);
});

describe('writes rolled back after their change-log row', () => {
  test.each([
    ['at the end of the change-log INSERT', DOOMED_TITLE],
    ['at COMMIT, after the pg_notify was issued', DOOMED_AT_COMMIT_TITLE],
  ])('failing %s: nobody ever sees it; the next write is delivered', async (_when, doomed) => {
    const live = connect(server.url).subscribe(MEASURE_ADDED);
    await settle();
    const before = await addMeasure(`before ${doomed}`);
    await live.waitFor(1);

    const failed = await addMeasureRaw(doomed);
    expect(failed.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(failed.data?.addMeasure ?? null).toBeNull();
    // It rolled back entirely: no measure and no change-log row remain.
    const { rows } = await pg.query(`SELECT id FROM measure WHERE title = $1`, [doomed]);
    expect(rows).toEqual([]);
    const { rows: orphans } = await pg.query(
      `SELECT seq FROM change_log c WHERE c.entity = 'Measure'
         AND NOT EXISTS (SELECT 1 FROM measure m WHERE m.id = c.entity_id)`,
    );
    expect(orphans).toEqual([]);

    const after = await addMeasure(`after ${doomed}`);
    const liveEvents = await exactly(live, 2);
    expect(titles(liveEvents)).toEqual([`before ${doomed}`, `after ${doomed}`]);
    expect(liveEvents[1]!.data.measureAdded.id).toBe(after);

    const resumed = connect(server.url).subscribe(MEASURE_ADDED, { since: before });
    expect(titles(await exactly(resumed, 1))).toEqual([`after ${doomed}`]);
  });
});

describe('unfiltered measureUpdated and statementAdded', () => {
  test('measureUpdated without a filter delivers an amendment and a lift', async () => {
    const id = await addMeasure('to be amended');
    const sub = connect(server.url).subscribe(
      'subscription { measureUpdated { id title status liftedOn } }',
    );
    await settle();
    const amended = await server.gqlAs(
      editor,
      'mutation($id: ID!) { updateMeasure(id: $id, input: { title: "amended" }) { id } }',
      { id },
    );
    expect(amended.errors).toBeUndefined();
    const [first] = await sub.waitFor(1);
    expect(first!.data.measureUpdated).toEqual({
      id,
      title: 'amended',
      status: 'IN_FORCE',
      liftedOn: null,
    });

    const lifted = await server.gqlAs(
      editor,
      'mutation($id: ID!) { liftMeasure(id: $id, liftedOn: "2024-06-01") { id } }',
      { id },
    );
    expect(lifted.errors).toBeUndefined();
    // An addMeasure is not an update: it must not show up here.
    await addMeasure('not an update');
    const events = await exactly(sub, 2);
    expect(events).toHaveLength(2);
    expect(events[1]!.data.measureUpdated).toEqual({
      id,
      title: 'amended',
      status: 'LIFTED',
      liftedOn: '2024-06-01',
    });
  });

  test('statementAdded without arguments delivers a new statement', async () => {
    const sub = connect(server.url).subscribe(
      'subscription { statementAdded { id issuer country { code } } }',
    );
    await settle();
    const added = await server.gqlAs(
      editor,
      'mutation($input: AddStatementInput!) { addStatement(input: $input) { id } }',
      {
        input: {
          issuedOn: '2024-01-01',
          country: 'jp',
          issuer: 'Live MFA',
          text: 'Text',
          sources: [{ title: 'S' }],
        },
      },
    );
    expect(added.errors).toBeUndefined();
    const events = await exactly(sub, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.data.statementAdded).toEqual({
      id: added.data.addStatement.id,
      issuer: 'Live MFA',
      country: { code: 'JP' },
    });
  });
});

describe('a cut listener connection', () => {
  /*
   * pg_terminate_backend alone leaves a window of 50-100 ms (the listener's first reconnect
   * delay), too short to place a write in reliably. So the database is also closed to *new*
   * connections (ALLOW_CONNECTIONS false) for the length of one write: the listener cannot
   * reconnect, while instance B writes over the pooled connections it already holds (warmed
   * up first). The write's NOTIFY therefore reaches nobody on instance A; only the catch-up
   * read after reconnecting can deliver it, and nothing else is written until it has arrived.
   */
  test('a change committed while the listener is disconnected is delivered once it reconnects', async () => {
    const listenerPids = async () =>
      (
        await pg.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
           WHERE datname = current_database()
             AND (application_name = 'retorsion-listener' OR query LIKE 'LISTEN%')`,
        )
      ).rows.map((row) => row.pid);
    // Only instance A runs so far: its listener is the one connection listening here.
    const [aListener, ...others] = await listenerPids();
    expect(aListener).toBeDefined();
    expect(others).toEqual([]);

    const b = await startTestServer({}, server.db);
    const sub = connect(server.url).subscribe(MEASURE_ADDED);
    await settle();
    await addMeasure('before the cut', b);
    await sub.waitFor(1);

    // B's pool: four open connections, enough for a write with the database closed to new ones.
    await Promise.all(
      Array.from({ length: 4 }, () => b.app.dataSource.query('SELECT pg_sleep(0.05)')),
    );

    let during: string;
    await allowConnections(false);
    try {
      const [{ terminated }] = (
        await pg.query<{ terminated: boolean }>('SELECT pg_terminate_backend($1) AS terminated', [
          aListener,
        ])
      ).rows as [{ terminated: boolean }];
      expect(terminated).toBe(true);
      await waitUntil('the listener to notice', () => !server.app.listener.isConnected);

      during = await addMeasure('during the cut', b);
      // The write committed while A's listener was still away (so its NOTIFY was lost on A).
      expect(server.app.listener.isConnected).toBe(false);
      expect(server.app.listener.seq).toBeLessThan(await seqOfTitle('during the cut'));
      await sleep(200);
      expect(titles(sub.events)).toEqual(['before the cut']);
    } finally {
      await allowConnections(true);
    }

    // Nothing else is written until the missed change has arrived: only the catch-up can bring it.
    await sub.waitFor(2, 10_000);
    expect(server.app.listener.isConnected).toBe(true);
    expect((await listenerPids()).filter((pid) => pid === aListener)).toEqual([]);
    expect(titles(sub.events)).toEqual(['before the cut', 'during the cut']);
    expect(sub.events[1]!.data.measureAdded.id).toBe(during);

    // And the reconnected listener hears live writes again, with no duplicate of the missed one.
    await addMeasure('after the reconnect', b);
    expect(titles(await exactly(sub, 3))).toEqual([
      'before the cut',
      'during the cut',
      'after the reconnect',
    ]);
  }, 30_000);
});
