import { existsSync, readFileSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../logger';
import { EmbeddedPostgresError } from './errors';

/**
 * The files that say which process holds what: the start lock, the owner file and PostgreSQL's
 * own postmaster.pid, each naming a pid that may have died since it was written.
 */

const START_LOCK_WAIT_MS = 120_000;

/**
 * An exclusive lock file naming its holder's pid; waits while a live process holds it, and takes
 * over one left by a process that died. Returns its release.
 */
export async function takeStartLock(file: string, logger: Logger): Promise<() => Promise<void>> {
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
export function runningPostmaster(pgData: string): { pid: number; port: number } | undefined {
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

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
