import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm start` as a user runs it: the compiled entry point with no DATABASE_URL, so it starts its
 * own embedded PostgreSQL in DATA_DIR, and must stop it again on SIGINT/SIGTERM.
 */
let dataDir: string;
const children = new Set<ChildProcess>();

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'retorsion-main-'));
  chmodSync(dataDir, 0o755);
}, 60_000);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      /* gone */
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  url: string;
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(): Promise<Started> {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const logs: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        logs.push(line);
        const match = /"url":"(http[^"]+)","msg":"serving GraphQL"/.exec(line);
        if (match) resolve({ child, url: match[1]!, logs, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code }) =>
      reject(new Error(`exited with ${code} before serving:\n${logs.join('\n')}`)),
    );
  });
}

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
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query:
        '{ country(code: "ru") { measuresImposed(filter: {kind: [ENTRY_BAN]}) { edges { node { targetCount } } } } }',
    }),
  });
  const body = (await response.json()) as {
    data: { country: { measuresImposed: { edges: { node: { targetCount: number } }[] } } };
  };
  return String(body.data.country.measuresImposed.edges[0]!.node.targetCount);
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
