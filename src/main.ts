import 'reflect-metadata';
import cluster, { type Worker } from 'node:cluster';
import { startApplication } from './app';
import { type Config, ConfigError, loadConfig } from './config';
import { resolveDatabase } from './database/connect';
import type { EmbeddedPostgres } from './database/embedded-postgres';
import { createLogger, type Logger } from './logger';

/**
 * Entry point: config, database (DATABASE_URL, or an embedded PostgreSQL in DATA_DIR), migrate,
 * seed, serve; on SIGTERM/SIGINT drain, close the pool, stop the embedded database, exit 0.
 *
 * With WORKERS > 1 the primary process owns the database (embedded or not) and the signals, and
 * forks that many workers sharing the port; each worker is a complete API instance (its own pool
 * and change listener), exactly as separate instances behind a load balancer would be.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EX_CONFIG);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel).child(
    cluster.isWorker ? { worker: cluster.worker!.id } : {},
  );
  let embedded: EmbeddedPostgres | undefined;
  let stopRunning: (() => Promise<void>) | undefined;
  const workers = cluster.isPrimary && config.workers > 1;
  const startup = (async () => {
    const database = await resolveDatabase(config, logger);
    embedded = database.embedded;
    if (workers) {
      stopRunning = runWorkers(config, logger, database.url);
      return;
    }
    const app = await startApplication(config, logger, database.url);
    stopRunning = () => app.stop();
  })();
  // Listening from the first moment: a Ctrl-C during initdb, migrations or seeding waits for the
  // step under way, then stops what has started, the embedded database included (its postmaster
  // runs in a session of its own and would outlive us).
  const shutdown = handleShutdown(
    logger,
    async () => {
      await startup.catch(() => undefined);
      try {
        await stopRunning?.();
      } finally {
        await embedded?.stop();
      }
    },
    shutdownDeadline(config) + (workers ? 5000 : 0),
  );
  try {
    await startup;
  } catch (error) {
    // Ctrl-C in the middle of start-up also interrupts whatever child it was running (initdb):
    // not a failure; the shutdown under way stops what did start and exits.
    if (shutdown.signalled()) {
      logger.info({ reason: (error as Error).message?.split('\n')[0] }, 'start-up interrupted');
      return;
    }
    const listening = listenProblem(error);
    if (listening) {
      // A configuration to change (HOST, PORT), not a crash: no stack trace, EX_CONFIG.
      logger.fatal({ host: config.host, port: config.port }, listening);
      await embedded?.stop().catch(() => undefined);
      process.exit(EX_CONFIG);
    }
    logger.fatal({ err: error }, 'could not start');
    await embedded?.stop().catch(() => undefined);
    process.exit(1);
  }
}

/** EX_CONFIG of sysexits.h: the configuration must change before another try can succeed. */
const EX_CONFIG = 78;

/** Why the server could not listen on HOST:PORT, in words; undefined for any other error. */
function listenProblem(error: unknown): string | undefined {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  // `bind` in a worker of WORKERS > 1, whose port the primary process binds.
  if (syscall !== 'listen' && syscall !== 'bind' && syscall !== 'getaddrinfo') return undefined;
  const reasons: Record<string, string> = {
    EADDRINUSE: 'the port is already in use',
    EACCES: 'this user may not listen on that port',
    EADDRNOTAVAIL: 'HOST is not an address of this machine',
    ENOTFOUND: 'HOST is not a known host name',
    EAI_AGAIN: 'HOST could not be resolved',
  };
  const reason = reasons[String(code)] ?? String(code);
  return `cannot listen on HOST:PORT: ${reason}`;
}

function runWorkers(config: Config, logger: Logger, databaseUrl: string): () => Promise<void> {
  let stopping = false;
  const startedAt = new Map<number, number>();
  const fork = (): void => {
    const worker = cluster.fork({ DATABASE_URL: databaseUrl });
    startedAt.set(worker.id, Date.now());
  };
  // A worker that dies soon after starting (a port taken, a database refusing it) would die again
  // at once: such restarts wait, doubling from 1 s to 30 s; a worker that ran a while is replaced
  // at once.
  let restartDelayMs = 0;
  for (let i = 0; i < config.workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (code === EX_CONFIG) {
      // Every worker would fail alike (a port taken, a HOST that does not resolve): stop.
      logger.fatal({ worker: worker.id }, 'a worker cannot start with this configuration');
      process.kill(process.pid, 'SIGTERM');
      process.exitCode = EX_CONFIG;
      return;
    }
    const ranMs = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    restartDelayMs = ranMs < 10_000 ? Math.min(Math.max(restartDelayMs * 2, 1000), 30_000) : 0;
    logger.error(
      { worker: worker.id, code, signal, ranMs, restartInMs: restartDelayMs },
      'worker died; starting another',
    );
    setTimeout(() => {
      if (!stopping) fork();
    }, restartDelayMs);
  });
  logger.info({ workers: config.workers }, 'started workers');
  return async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => w !== undefined,
    );
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  };
}

/** Drain grace period, plus time to close sockets and stop the database. */
function shutdownDeadline(config: Config): number {
  return config.shutdownGraceMs + 15_000;
}

/**
 * npm forwards the terminal's SIGINT to its child, which the terminal also signalled, so one
 * Ctrl-C usually arrives twice: repeats within a second are ignored, a later one forces exit.
 */
function handleShutdown(
  logger: Logger,
  stop: () => Promise<void>,
  deadlineMs: number,
): { signalled(): boolean } {
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < 1000) return;
      logger.warn({ signal }, 'signalled again while shutting down: exiting now');
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.info({ signal }, 'shutting down');
    // Whatever hangs (a client, the database), the process ends within a bounded time.
    setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, deadlineMs).unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return { signalled: () => firstSignalAt !== undefined };
}

void main();
