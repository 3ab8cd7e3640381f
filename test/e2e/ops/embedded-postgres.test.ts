/**
 * Several processes on one embedded data dir, started at the same moment (`npm start` and
 * `npm run apikey`, or two terminals): they take turns with a start lock, so both end up on the
 * one cluster the first started, instead of the loser stopping or deleting the winner's; and a
 * cluster that crashed, leaving a postmaster.pid whose pid another program now has.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { cleanUp, killOnCleanup, onCleanup } from '../../helpers/cleanup';
import { ensureBuilt, freePort, removeDataDir, runCli } from '../../helpers/processes';
import { sleep } from '../../helpers/wait';

afterAll(cleanUp, 90_000);

describe('several processes on one embedded data dir', () => {
  async function dataDirEnv() {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'retorsion-concurrent-'));
    chmodSync(dataDir, 0o755);
    const env = { DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
    onCleanup(async () => {
      await runCli('db', ['stop'], env);
      removeDataDir(dataDir);
    });
    return env;
  }

  async function reachable(url: string): Promise<boolean> {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  test("two processes starting an initialised cluster at once: the loser does not stop the winner's PostgreSQL", async () => {
    ensureBuilt();
    const env = await dataDirEnv();
    // Initialise the cluster, then leave it stopped.
    expect((await runCli('db', ['start'], env)).code).toBe(0);
    expect((await runCli('db', ['stop'], env)).code).toBe(0);

    // e.g. `npm start` and `npm run apikey` (or two `npm start`s) launched together. The race
    // is timing-dependent: a few rounds.
    const rounds = [];
    for (let round = 0; round < 6; round++) {
      const [a, b] = await Promise.all([
        runCli('db', ['start'], env),
        runCli('db', ['start'], env),
      ]);
      const urls = [a, b]
        .filter((r) => r.code === 0)
        .map((r) => r.stdout.trim().split('\n').at(-1)!);
      rounds.push({
        succeeded: urls.length,
        alive: urls.length > 0 && (await reachable(urls[0]!)),
        errors: [a, b].filter((r) => r.code !== 0).map((r) => r.stderr.split('\n')[0]),
      });
      await runCli('db', ['stop'], env);
    }
    expect(rounds).toEqual(rounds.map(() => ({ succeeded: 2, alive: true, errors: [] })));
  }, 360_000); // six rounds of two cluster starts and a stop: minutes on a loaded machine

  test('two processes starting on an empty data dir at once: one cluster is initialised and runs', async () => {
    ensureBuilt();
    const env = await dataDirEnv();
    const [a, b] = await Promise.all([runCli('db', ['start'], env), runCli('db', ['start'], env)]);
    const urls = [a, b].filter((r) => r.code === 0).map((r) => r.stdout.trim().split('\n').at(-1)!);
    const alive = urls.length > 0 && (await reachable(urls[0]!));
    expect({
      succeeded: urls.length,
      alive,
      errors: [a, b].filter((r) => r.code !== 0).map((r) => r.stderr.split('\n')[0]),
    }).toEqual({ succeeded: 2, alive: true, errors: [] });
  }, 120_000);
});

describe('a crashed cluster', () => {
  test('a stale postmaster.pid whose pid now belongs to another program is recovered from', async () => {
    ensureBuilt();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'retorsion-faults-'));
    chmodSync(dataDir, 0o755);
    const env = { DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
    onCleanup(async () => {
      await runCli('db', ['stop'], env);
      removeDataDir(dataDir);
    });
    const first = await runCli('db', ['start'], env);
    expect(first.code).toBe(0);
    const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
    const lines = readFileSync(pidFile, 'utf8').split('\n');
    // A crash: PostgreSQL killed, its postmaster.pid left behind.
    process.kill(Number(lines[0]), 'SIGKILL');
    await sleep(1000);
    // Its pid now belongs to an unrelated program whose command line happens to mention
    // "postgres" (a log tail, an editor on postgresql.conf, a tool under ~/postgres-tools/...).
    const other = spawn(process.execPath, [
      '-e',
      'setTimeout(() => {}, 60000)',
      'tail-postgres.log',
    ]);
    killOnCleanup(other);
    await sleep(200);
    lines[0] = String(other.pid);
    writeFileSync(pidFile, lines.join('\n'));
    try {
      const second = await runCli('db', ['start'], env);
      // The pid's program is not a postmaster: the file is stale and the cluster starts.
      expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      other.kill('SIGKILL');
    }
  }, 90_000);
});
