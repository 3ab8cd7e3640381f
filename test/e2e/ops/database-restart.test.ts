import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Role } from '../../../src/auth/role';
import { cleanUp, onCleanup } from '../../helpers/cleanup';
import { openDatabase } from '../../helpers/database';
import { ensureBuilt, freePort, removeDataDir, runCli } from '../../helpers/processes';
import { startTestServer, type TestServer } from '../../helpers/server';
import { connect } from '../../helpers/ws';

/**
 * A PostgreSQL of this file's own (the embedded one, through `npm run db`), so that it can be
 * stopped and started under a running server without disturbing other test files.
 */
let dataDir: string;
let env: Record<string, string>;
let server: TestServer;
let editor: string;

async function db(command: 'start' | 'stop'): Promise<string> {
  const result = await runCli('db', [command], env);
  if (result.code !== 0) throw new Error(`db ${command} failed: ${result.stderr}`);
  return result.stdout.trim();
}

beforeAll(async () => {
  ensureBuilt();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'retorsion-restart-'));
  chmodSync(dataDir, 0o755);
  env = { DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
  onCleanup(async () => {
    await db('stop').catch(() => undefined);
    removeDataDir(dataDir);
  });
  const url = await db('start');
  server = await startTestServer({ livePollMs: 200 }, await openDatabase(url));
  ({ key: editor } = await server.createKey(Role.EDITOR));
}, 60_000);

afterAll(cleanUp, 30_000);

const ADD = (title: string) =>
  `mutation { addMeasure(input: { kind: OTHER, title: "${title}", imposedBy: "GB", announcedOn: "2024-01-01", sources: [{ title: "S" }] }) { id } }`;

async function addWhenPossible(title: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await server.gqlAs(editor, ADD(title)).catch(() => undefined);
    if (response?.data?.addMeasure) return response.data.addMeasure.id;
    if (Date.now() > deadline)
      throw new Error(`could not write "${title}": ${JSON.stringify(response?.errors)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a subscriber keeps receiving across a database restart, and nothing committed is lost', async () => {
  const sub = connect(server.url).subscribe('subscription { measureAdded { id title } }');
  await new Promise((resolve) => setTimeout(resolve, 150));
  const before = await addWhenPossible('Before the restart');
  await sub.waitFor(1);

  await db('stop');
  // Requests fail fast with a clear error; readiness says so; the process stays up.
  const during = await server.gqlAs(editor, ADD('While the database is down'));
  expect(during.status).toBe(503);
  expect(during.errors![0]!.extensions!.code).toBe('SERVICE_UNAVAILABLE');
  expect(during.headers.get('retry-after')).toBe('1');
  const read = await server.gql('{ measures { totalCount } }');
  expect(read.status).toBe(503);
  expect(read.errors![0]!.message).toBe('The database is unavailable; try again shortly.');
  expect((await fetch(`${server.origin}/readyz`)).status).toBe(503);
  expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  await db('start');

  await waitUntilReady();
  const after = await addWhenPossible('After the restart');
  const another = await addWhenPossible('And another');
  const events = await sub.waitFor(3, 20_000);
  expect(events.map((e) => e.data.measureAdded.id)).toEqual([before, after, another]);
  expect(sub.failed).toBeUndefined();
  expect(sub.completed).toBe(false);
  // Every acknowledged write is there.
  const titles = await server.gql(
    '{ measures(first: 100, filter: { text: "restart" }) { edges { node { title } } } }',
  );
  expect(
    titles.data.measures.edges.map((e: { node: { title: string } }) => e.node.title).sort(),
  ).toEqual(['After the restart', 'Before the restart']);
}, 60_000);

async function waitUntilReady(timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await fetch(`${server.origin}/readyz`)).status !== 200) {
    if (Date.now() > deadline) throw new Error('not ready again');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
