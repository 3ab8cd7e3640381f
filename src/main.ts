import 'reflect-metadata';
import { startApplication } from './app';
import { ConfigError, loadConfig } from './config';
import { resolveDatabase } from './database/connect';
import type { EmbeddedPostgres } from './database/embedded-postgres';
import { createLogger, type Logger } from './logger';

/**
 * Entry point: config, database (DATABASE_URL, or an embedded PostgreSQL in DATA_DIR), migrate,
 * seed, serve; on SIGTERM/SIGINT drain, close the pool, stop the embedded database, exit 0.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let embedded: EmbeddedPostgres | undefined;
  try {
    const database = await resolveDatabase(config, logger);
    embedded = database.embedded;
    const app = await startApplication(config, logger, database.url);
    handleShutdown(logger, async () => {
      await app.stop();
      await embedded?.stop();
    });
  } catch (error) {
    logger.fatal({ err: error }, 'could not start');
    await embedded?.stop().catch(() => undefined);
    process.exit(1);
  }
}

/**
 * npm forwards the terminal's SIGINT to its child, which the terminal also signalled, so one
 * Ctrl-C usually arrives twice: repeats within a second are ignored, a later one forces exit.
 */
function handleShutdown(logger: Logger, stop: () => Promise<void>): void {
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < 1000) return;
      logger.warn({ signal }, 'signalled again while shutting down: exiting now');
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

void main();
