import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Binaries } from './binaries';
import { EmbeddedPostgresError, PortTakenError } from './errors';
import { exec } from './exec';
import { runningPostmaster } from './pid-files';

/**
 * Starts or stops the server on `pgData` through pg_ctl, which detaches the postmaster from our
 * process group. A start that fails reports the end of the server's log, and a port found taken
 * as PortTakenError, so the caller can pick another.
 */
export async function pgCtl(
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

/** The last `lines` lines of the log written from byte `from` on. */
function tail(file: string, lines = 15, from = 0): string {
  try {
    const written = readFileSync(file).subarray(from).toString('utf8').trimEnd();
    return written ? written.split('\n').slice(-lines).join('\n') : '(nothing logged)';
  } catch {
    return '(no log)';
  }
}

/** The file's size now (0 if there is none): where what comes next will start. */
function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
