import { ChangeListener, type ChangeRow } from '../../../src/live/change-listener';
import { createLogger } from '../../../src/logger';
import { cleanUp, onCleanup } from '../../helpers/cleanup';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';

/** The live feed's reader on its own, against a real database. */
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  onCleanup(() => db.drop());
});
afterAll(cleanUp);

async function appendChange(): Promise<void> {
  await db.query(
    `INSERT INTO change_log (seq, entity, entity_id, action)
     VALUES (nextval('change_log_seq'), 'Measure', 1, 'added')`,
  );
  await db.query(`SELECT pg_notify('retorsion_changes', '')`);
}

test('a batch that keeps failing is retried with a growing delay, then delivered once it succeeds', async () => {
  const listener = new ChangeListener({
    databaseUrl: db.url,
    logger: createLogger('silent'),
    pollMs: 60_000,
    backoffMinMs: 20,
    backoffMaxMs: 200,
  });
  const attempts: number[] = [];
  const delivered: ChangeRow[] = [];
  let failing = true;
  listener.onBatch(async (rows) => {
    attempts.push(performance.now());
    if (failing) throw new Error('handler failed');
    delivered.push(...rows);
  });
  await listener.start();
  try {
    await appendChange();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // With a fixed 20 ms retry this would be about 75 attempts; doubling to 200 ms makes it ~10.
    expect(attempts.length).toBeGreaterThan(3);
    expect(attempts.length).toBeLessThan(20);
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(150);
    failing = false;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(delivered).toHaveLength(1);
    expect(listener.seq).toBe(delivered[0]!.seq);
  } finally {
    await listener.stop();
  }
});

test('stopping while connecting leaves no connection open', async () => {
  const listener = new ChangeListener({ databaseUrl: db.url, logger: createLogger('silent') });
  const starting = listener.start();
  await listener.stop();
  await starting;
  await new Promise((resolve) => setTimeout(resolve, 100));
  const [{ n }] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'retorsion-listener'`,
  );
  expect(n).toBe(0);
});
