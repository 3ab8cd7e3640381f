import { loadConfig } from '../config';
import { EMBEDDED_DATABASE } from '../database/connect';
import { startEmbeddedPostgres } from '../database/embedded-postgres';
import { createLogger } from '../logger';

const USAGE = `The embedded PostgreSQL in DATA_DIR (default ./.data):

  npm run db -- start   start it (if needed) and leave it running; prints its URL
  npm run db -- url     the same, for tools that need a DATABASE_URL (psql, the TypeORM CLI)
  npm run db -- stop    stop it`;

async function main(command: string | undefined): Promise<number> {
  if (command !== 'start' && command !== 'stop' && command !== 'url') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 64 : 0;
  }
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPostgresPort,
    database: EMBEDDED_DATABASE,
    logger,
  });
  if (command === 'stop') {
    if (!embedded.owned) {
      process.stderr.write('db: a running server owns this database; stop that server instead\n');
      return 1;
    }
    await embedded.stop();
    process.stdout.write('stopped\n');
  } else {
    // Leaving without stop(): the cluster keeps running for whoever uses the URL.
    process.stdout.write(`${embedded.url}\n`);
  }
  return 0;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`db: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
