import type { Config } from '../config';
import type { Logger } from '../logger';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';

export const EMBEDDED_DATABASE = 'retorsion';

/** The database to use: DATABASE_URL, or the embedded cluster in DATA_DIR (started if needed). */
export async function resolveDatabase(
  config: Config,
  logger: Logger,
): Promise<{ url: string; embedded?: EmbeddedPostgres }> {
  if (config.databaseUrl) return { url: config.databaseUrl };
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPostgresPort,
    database: EMBEDDED_DATABASE,
    logger,
  });
  return { url: embedded.url, embedded };
}
