import net from 'node:net';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

let built = false;

/** Compiles src/ to dist/ once per test process, for tests that run the real entry points. */
export function ensureBuilt(): void {
  if (built) return;
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  built = true;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli/<name>.js ...args` with the given environment. */
export function runCli(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`dist/src/cli/${name}.js`, ...args],
      { env: { ...process.env, LOG_LEVEL: 'warn', ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();

/** Starts `node dist/src/main.js` and resolves once it logs the URL it serves. */
export function startServerProcess(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      ...env,
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

/** For afterAll: no child process may outlive the test file. */
export function killServerProcesses(): void {
  for (const child of children) child.kill('SIGKILL');
}

export async function post(
  url: string,
  query: string,
  key?: string,
): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

/** A TCP port free on 127.0.0.1 at the moment of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Runs `node dist/src/main.js` with `env` (production, info logs); resolves with its exit code, or
 * 'running' if it still runs after `waitMs` (it is then killed), and what it printed.
 */
export function runMain(
  env: NodeJS.ProcessEnv,
  waitMs: number,
): Promise<{ code: number | null | 'running'; output: string }> {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'running', output });
    }, waitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, output });
    });
  });
}

/**
 * Removes a data dir, retrying while a PostgreSQL that is still exiting writes into it (on a loaded
 * machine its last files can appear after the first pass: ENOTEMPTY).
 */
export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
}

/** Waits (up to `timeoutMs`) until no process has `pid`. */
export async function exitOf(pid: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
