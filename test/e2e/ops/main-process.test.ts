import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanUp, onCleanup } from '../../helpers/cleanup';
import { connect } from '../../helpers/ws';
import {
  ensureBuilt,
  exitOf,
  post,
  removeDataDir,
  runCli,
  startServerProcess,
} from '../../helpers/processes';

/**
 * `npm start` as a user runs it: the compiled entry point with no DATABASE_URL, so it starts its
 * own embedded PostgreSQL in DATA_DIR, and must stop it again on SIGINT/SIGTERM.
 */
let dataDir: string;

beforeAll(() => {
  ensureBuilt();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'retorsion-main-'));
  chmodSync(dataDir, 0o755);
  onCleanup(stopPostgresAndRemoveDataDir);
}, 60_000);

afterAll(cleanUp);

/** The server processes are gone by then; a PostgreSQL one of them left running is not. */
async function stopPostgresAndRemoveDataDir(): Promise<void> {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 'SIGQUIT');
      await exitOf(pid);
    } catch {
      /* gone */
    }
  }
  removeDataDir(dataDir);
}

const start = () => startServerProcess({ DATABASE_URL: '', DATA_DIR: dataDir });

function postgresRunning(): boolean {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function foundingTargetCount(url: string): Promise<string> {
  const { body } = await post(
    url,
    '{ country(code: "ru") { measuresImposed(filter: {kind: [ENTRY_BAN]}) { edges { node { targetCount } } } } }',
  );
  return String(body.data.country.measuresImposed.edges[0].node.targetCount);
}

test('first start initialises, migrates, seeds and serves; SIGINT exits 0 and stops PostgreSQL', async () => {
  const server = await start();
  expect(await foundingTargetCount(server.url)).toBe('63');
  expect(server.logs.join('\n')).toMatch(/initialising embedded PostgreSQL/);
  expect(server.logs.join('\n')).toMatch(/empty database: seeding/);
  expect(postgresRunning()).toBe(true);
  server.child.kill('SIGINT');
  expect(await server.exited).toEqual({ code: 0, signal: null });
  expect(postgresRunning()).toBe(false);
}, 60_000);

test("SIGTERM closes subscribers' sockets with 1001 Going Away, then exits 0", async () => {
  const server = await start();
  const client = connect(server.url);
  const subscription = client.subscribe('subscription { measureAdded { id } }');
  await new Promise((resolve) => setTimeout(resolve, 200));
  server.child.kill('SIGTERM');
  expect((await client.closed).code).toBe(1001);
  expect(await server.exited).toEqual({ code: 0, signal: null });
  expect(subscription.events).toEqual([]);
  expect(postgresRunning()).toBe(false);
}, 30_000);

test('a second start reuses the data; SIGTERM exits 0', async () => {
  const server = await start();
  const logs = server.logs.join('\n');
  expect(logs).not.toMatch(/initialising|seeding|migration applied/);
  expect(await foundingTargetCount(server.url)).toBe('63');
  server.child.kill('SIGTERM');
  expect(await server.exited).toEqual({ code: 0, signal: null });
  expect(postgresRunning()).toBe(false);
}, 30_000);

test('after a crash (the server killed, PostgreSQL left running), the next start adopts PostgreSQL', async () => {
  const crashed = await start();
  crashed.child.kill('SIGKILL');
  await crashed.exited;
  expect(postgresRunning()).toBe(true);
  const server = await start();
  expect(server.logs.join('\n')).toMatch(/adopting an embedded PostgreSQL left running/);
  expect(await foundingTargetCount(server.url)).toBe('63');
  server.child.kill('SIGTERM');
  expect(await server.exited).toEqual({ code: 0, signal: null });
  expect(postgresRunning()).toBe(false);
}, 30_000);

test('a stale postmaster.pid (PostgreSQL killed too) is removed and the server starts', async () => {
  const crashed = await start();
  const pid = Number(
    readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  crashed.child.kill('SIGKILL');
  process.kill(pid, 'SIGKILL');
  await crashed.exited;
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(true);
  const server = await start();
  expect(await foundingTargetCount(server.url)).toBe('63');
  server.child.kill('SIGTERM');
  expect(await server.exited).toEqual({ code: 0, signal: null });
}, 30_000);

test('WORKERS=2: two instances share the port; a worker that dies is replaced; SIGTERM stops all', async () => {
  const server = await startServerProcess({ DATABASE_URL: '', DATA_DIR: dataDir, WORKERS: '2' });
  const serving = () => server.logs.filter((line) => line.includes('"msg":"serving GraphQL"'));
  await waitFor(() => serving().length === 2);
  const workers = childPids(server.child.pid!);
  expect(workers).toHaveLength(2);
  expect(await foundingTargetCount(server.url)).toBe('63');

  process.kill(workers[0]!, 'SIGKILL');
  // It ran for less than 10 s, so it is restarted after a 1 s pause, not at once.
  await waitFor(() => serving().length === 3);
  const died = server.logs
    .map((line) => JSON.parse(line))
    .find((e) => e.msg === 'worker died; starting another');
  expect(died).toMatchObject({ signal: 'SIGKILL', restartInMs: 1000 });
  expect(childPids(server.child.pid!)).toHaveLength(2);
  expect(await foundingTargetCount(server.url)).toBe('63');

  server.child.kill('SIGTERM');
  expect(await server.exited).toEqual({ code: 0, signal: null });
  expect(postgresRunning()).toBe(false);
}, 60_000);

async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Node processes whose parent is `pid` (the workers of a primary). */
function childPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('main.js');
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('the apikey tool on the embedded database', () => {
  const env = () => ({ DATABASE_URL: '', DATA_DIR: dataDir });
  const ADD =
    'mutation { addOfficial(input: { name: "Via CLI key", country: "JP", category: OTHER }) { name } }';

  test('create with no server running, use it on the server, revoke it while the server runs', async () => {
    const created = await runCli(
      'apikey',
      ['create', '--role', 'editor', '--name', 'Newsroom'],
      env(),
    );
    expect(created.code).toBe(0);
    const key = /(rtsn_\S+)/.exec(created.stdout)![1]!;
    const id = /\(id (\S+)\)/.exec(created.stdout)![1]!;
    expect(postgresRunning()).toBe(false); // the tool stopped the cluster it started

    const server = await start();
    expect((await post(server.url, ADD, key)).body.data.addOfficial.name).toBe('Via CLI key');

    const listed = await runCli('apikey', ['list'], env());
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('"Newsroom"');
    expect(listed.stdout).not.toContain(key);

    const revoked = await runCli('apikey', ['revoke', id], env());
    expect(revoked.code).toBe(0);
    expect(postgresRunning()).toBe(true); // shared with the running server, left running
    const refused = await post(server.url, ADD, key);
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 120_000);

  test('bad arguments print usage and fail', async () => {
    const result = await runCli('apikey', ['create', '--role', 'owner', '--name', 'X'], env());
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--role editor\|admin/);
  });
});
