import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';

/** Any constant will do; it only has to be the same for every instance and tool. */
const SCHEMA_LOCK = 7_305_114_211;

/**
 * Brings the schema up to date and seeds an empty database. Several API instances may start at
 * once against one database: a session-level advisory lock makes them take turns, so migrations
 * run once and the others find nothing left to do.
 */
export async function prepareDatabase(
  dataSource: DataSource,
  logger: Logger,
  seed: (dataSource: DataSource) => Promise<unknown>,
): Promise<void> {
  await withSchemaLock(dataSource, async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied)
      logger.info({ migration: migration.name }, 'migration applied');
    const [{ empty }] = await dataSource.query(
      'SELECT NOT EXISTS (SELECT 1 FROM country) AS empty',
    );
    if (empty) {
      logger.info('empty database: seeding');
      await seed(dataSource);
    }
  });
}

/**
 * Runs `work` while holding the schema lock (migrations, seeding). The lock is held on a
 * connection of its own, outside the pool: the work needs the pool's connections (a pool of one
 * would wait on itself), and waiting for another instance's migrations must not count against the
 * pool's statement timeout.
 */
export async function withSchemaLock<T>(
  dataSource: DataSource,
  work: () => Promise<T>,
): Promise<T> {
  const { url } = dataSource.options as { url?: string };
  const lock = new Client({ connectionString: url, application_name: 'retorsion schema lock' });
  // The session may drop while the work runs (a restart, a terminated backend): pg then emits
  // 'error', which without a listener would end the process. The lock is gone with the session;
  // migrations still run one transaction each, and the unlock below simply fails.
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
    return await work();
  } finally {
    // Closing the session releases the lock too, should the unlock fail.
    await lock.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}
