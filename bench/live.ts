import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import {
  createApiKey,
  databaseUrl,
  percentile,
  type ProcStats,
  procStats,
  round,
  run,
  type Server,
  startServer,
  stopServer,
  TICKS_PER_SECOND,
  writeResults,
} from './harness';

/**
 * `npm run bench:live`: commit-to-delivery latency of measureAdded with N subscribers.
 *
 * The server runs as its own process (production mode, embedded PostgreSQL with data), the N
 * subscribers in another (one WebSocket each), and this process writes measures through the API
 * at a steady rate. For every delivery it records the time from the moment the mutation returned
 * to this process, and from the server's createdAt, to the moment the subscriber parsed it.
 * Lost = deliveries expected (N x measures) minus deliveries received. Server RSS and CPU are read
 * from /proc while the step runs. Each step is measured again against a bare ws server (the
 * floor). Results go to bench/results/ and are printed as a table.
 */

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000,5000,10000' },
    events: { type: 'string', default: '60' },
    rate: { type: 'string', default: '2', description: 'measures per second' },
    measures: { type: 'string', default: '20000', description: 'measures loaded before the run' },
    workers: { type: 'string', default: '1', description: 'server worker processes (WORKERS)' },
    'no-write': { type: 'boolean', default: false },
  },
});
const STEPS = values.subscribers!.split(',').map(Number);
const EVENTS = Number(values.events);
const RATE = Number(values.rate);

/** The server process and its workers (WORKERS > 1). Read once per step: /proc is slow to walk. */
function serverPids(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone */
    }
  }
  const pids: number[] = [];
  const visit = (p: number) => {
    pids.push(p);
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return pids;
}

function serverStats(pids: number[]): ProcStats {
  const total = { rssKb: 0, cpuTicks: 0 };
  for (const pid of pids) {
    try {
      const stats = procStats(pid);
      total.rssKb += stats.rssKb;
      total.cpuTicks += stats.cpuTicks;
    } catch {
      /* exited */
    }
  }
  return total;
}

async function loadData(url: string, measures: number): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`
    INSERT INTO official (name, country_code, category)
    SELECT 'Bench official ' || g, (SELECT code FROM country ORDER BY code OFFSET g % 249 LIMIT 1), 'OFFICIAL'
    FROM generate_series(1, ${Math.ceil(measures / 4)}) AS g`);
  await client.query(`
    WITH m AS (
      INSERT INTO measure (kind, title, summary, imposed_by_code, target_country_code, target_count,
        announced_on, status)
      SELECT 'SANCTIONS_PACKAGE', 'Bench measure ' || g, 'Loaded before the run.',
        (SELECT code FROM country ORDER BY code OFFSET g % 249 LIMIT 1),
        (SELECT code FROM country ORDER BY code OFFSET (g * 7) % 249 LIMIT 1), 3,
        date '2020-01-01' + (g % 1500), 'IN_FORCE'
      FROM generate_series(1, ${measures}) AS g RETURNING id)
    INSERT INTO change_log (seq, entity, entity_id, action)
    SELECT nextval('change_log_seq'), 'Measure', id, 'added' FROM m ORDER BY id`);
  await client.query(`
    INSERT INTO measure_target (measure_id, official_id, position)
    SELECT m.id, o.id, row_number() OVER (PARTITION BY m.id ORDER BY o.id)
    FROM measure m JOIN official o ON o.id % ${Math.ceil(measures / 4)} IN (m.id % ${Math.ceil(measures / 4)}, (m.id + 1) % ${Math.ceil(measures / 4)}, (m.id + 2) % ${Math.ceil(measures / 4)})
    WHERE m.title LIKE 'Bench measure %'`);
  await client.query('ANALYZE');
  await client.end();
}

interface ClientReport {
  samples: Record<string, { received: number; createdAt: number }[]>;
  duplicates: number;
  errors: number;
  closedEarly: number;
}

function ask<T>(clients: ChildProcess, message: object, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (response: { type: string }) => {
      if (response.type !== reply) return;
      clients.off('message', listener);
      resolve(response as T);
    };
    clients.on('message', listener);
    clients.send(message);
  });
}

async function addMeasure(url: string, key: string, title: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      query: `mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id } }`,
      variables: {
        input: {
          kind: 'ENTRY_BAN',
          title,
          imposedBy: 'RU',
          targetCountry: 'JP',
          announcedOn: '2024-05-04',
          sources: [{ title: 'Benchmark' }],
        },
      },
    }),
  });
  const body = (await response.json()) as { data: { addMeasure: { id: string } } };
  return body.data.addMeasure.id;
}

/** Publishes one event titled `title` and returns its id once the publisher has done its part. */
type Emit = (title: string) => Promise<string>;

async function step(
  subscribers: number,
  serverPid: number,
  url: string,
  emit: Emit,
  clients: ChildProcess,
): Promise<Record<string, number>> {
  await ask(clients, { type: 'connect', url, count: subscribers }, 'connected');
  const pids = serverPids(serverPid);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  // With every subscriber connected and nothing happening.
  const idle = serverStats(pids);
  // One unmeasured measure first: the first event after start-up pays for JIT compilation.
  await emit(`Live bench ${subscribers}/warm-up`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = serverStats(pids);
  let peakRss = before.rssKb;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, serverStats(pids).rssKb)), 100);
  const returned = new Map<string, number>();
  const started = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = await emit(`Live bench ${subscribers}/${i}`);
    returned.set(id, performance.timeOrigin + performance.now());
  }
  const writeSeconds = (performance.now() - started) / 1000;
  // CPU over the writing window only (deliveries keep up with it: each lands well within the
  // 1/RATE s before the next write), so the share of a core is work per second of feed.
  const atWritesEnd = serverStats(pids);
  // Let the last deliveries land before asking the subscribers' process for its (large) report.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  // Wait for deliveries to stop arriving (or 60 s).
  let report = await ask<ClientReport>(clients, { type: 'report' }, 'report');
  const expected = subscribers * EVENTS;
  const deliveredCount = (r: ClientReport) =>
    Object.entries(r.samples)
      .filter(([id]) => returned.has(id))
      .reduce((n, [, list]) => n + list.length, 0);
  const deadline = performance.now() + 60_000;
  while (deliveredCount(report) < expected && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    report = await ask<ClientReport>(clients, { type: 'report' }, 'report');
  }
  clearInterval(sampler);
  const after = serverStats(pids);
  const fromReturn: number[] = [];
  const fromCreated: number[] = [];
  const firsts: number[] = [];
  const spreads: number[] = [];
  for (const [id, list] of Object.entries(report.samples)) {
    const returnedAt = returned.get(id);
    if (returnedAt === undefined) continue;
    const received = list.map((sample) => sample.received);
    firsts.push(Math.min(...received) - returnedAt);
    spreads.push(Math.max(...received) - Math.min(...received));
    for (const sample of list) {
      fromReturn.push(sample.received - returnedAt);
      fromCreated.push(sample.received - sample.createdAt);
    }
  }
  if (process.env.BENCH_DEBUG) {
    const perEvent = [...returned].map(([id, at]) => {
      const received = (report.samples[id] ?? []).map((sample) => sample.received - at);
      return `${Math.round(Math.min(...received))}-${Math.round(Math.max(...received))}`;
    });
    process.stderr.write(`per event first-last ms: ${perEvent.join(' ')}\n`);
  }
  firsts.sort((a, b) => a - b);
  spreads.sort((a, b) => a - b);
  fromReturn.sort((a, b) => a - b);
  fromCreated.sort((a, b) => a - b);
  await ask(clients, { type: 'disconnect' }, 'disconnected');
  const cpuSeconds = (after.cpuTicks - before.cpuTicks) / TICKS_PER_SECOND;
  const writingCpuSeconds = (atWritesEnd.cpuTicks - before.cpuTicks) / TICKS_PER_SECOND;
  return {
    lost: expected - fromReturn.length,
    duplicates: report.duplicates,
    errors: report.errors + report.closedEarly,
    p50: round(percentile(fromReturn, 50)),
    p99: round(percentile(fromReturn, 99)),
    max: round(fromReturn.at(-1) ?? NaN),
    firstToLast: round(percentile(spreads, 50)),
    rssIdle: round(idle.rssKb / 1024),
    rssPeak: round(peakRss / 1024),
    cpuSeconds: round(cpuSeconds),
    cpuPercent: round((100 * writingCpuSeconds) / writeSeconds),
    firstMs: round(percentile(firsts, 50)),
  };
}

/** The floor (live-floor.ts) as an emitter: the frame a project subscriber gets, sent by ws. */
async function startFloor(): Promise<{ floor: ChildProcess; url: string; emit: Emit }> {
  const floor = fork('dist/bench/live-floor.js', [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve) =>
    floor.once('message', (message: { url: string }) => resolve(message.url)),
  );
  let next = 0;
  const emit: Emit = async (title) => {
    const id = `floor-${++next}`;
    const node = { id, title, createdAt: new Date().toISOString(), imposedBy: { code: 'RU' } };
    floor.send({
      type: 'send',
      frame: JSON.stringify({ id: '1', type: 'next', payload: { data: { measureAdded: node } } }),
    });
    return id;
  };
  return { floor, url, emit };
}

async function main(): Promise<void> {
  let server: Server | undefined;
  const clients = fork('dist/bench/live-clients.js', [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: process.env.BENCH_CLIENT_NODE_FLAGS?.split(' ').filter(Boolean) ?? [],
  });
  try {
    process.stdout.write(`loading ${values.measures} measures...\n`);
    // Migrate and seed through a first start, then add the bulk data.
    server = await startServer('bench', {
      WORKERS: values.workers!,
      // 10,000 subscribers from one address would exceed an anonymous budget and the sockets
      // and bytes allowed to one address: this measures the feed.
      RATE_LIMIT: 'false',
      WS_MAX_CONNECTIONS_PER_ADDRESS: '20000',
      WS_MAX_BYTES_PER_ADDRESS: String(1024 ** 3),
    });
    await loadData(databaseUrl(server), Number(values.measures));
    const key = createApiKey(server, 'editor', 'bench');
    await new Promise((resolve) => clients.once('message', resolve));
    const floor = await startFloor();
    const rows: Record<string, number | string>[] = [];
    try {
      for (const subscribers of STEPS) {
        process.stdout.write(`${subscribers} subscribers...\n`);
        const emit: Emit = (title) => addMeasure(server!.url, key, title);
        const project = await step(subscribers, server.child.pid!, server.url, emit, clients);
        process.stdout.write(`project ${JSON.stringify(project)}\n`);
        const bare = await step(subscribers, floor.floor.pid!, floor.url, floor.emit, clients);
        process.stdout.write(`floor ${JSON.stringify(bare)}\n`);
        rows.push({
          subscribers,
          lost: project.lost,
          duplicates: project.duplicates,
          'errors or closed': project.errors,
          'p50 ms': project.p50,
          'p99 ms': project.p99,
          'max ms': project.max,
          'floor p50 ms': bare.p50,
          'floor p99 ms': bare.p99,
          'p99 / floor p99': Math.round((100 * project.p99) / bare.p99) / 100,
          'first to last ms': project.firstToLast,
          'floor first to last ms': bare.firstToLast,
          'CPU % of a core (writing)': project.cpuPercent,
          'floor CPU %': bare.cpuPercent,
          'RSS MiB idle / peak': `${project.rssIdle} / ${project.rssPeak}`,
        });
      }
    } finally {
      floor.floor.send({ type: 'exit' });
    }
    writeResults(
      'bench-live',
      `Server: one instance, NODE_ENV=production, its own process; subscribers: one WebSocket each, ` +
        `subscription { measureAdded { id title createdAt imposedBy { code } } }, in a second process; ` +
        `writer: addMeasure over HTTP at ${RATE}/s, ${EVENTS} measures per step, on a database of ` +
        `${values.measures} measures loaded before the run. Latency is from the mutation's return ` +
        `to the subscriber parsing the message. Floor, measured right after each step with the same ` +
        `subscribers: a bare ws server (bench/live-floor.ts) sending the same serialised frame to ` +
        `them in a loop, latency from the moment it is told to send.`,
      rows,
    );
  } finally {
    clients.send({ type: 'exit' });
    if (server) await stopServer(server);
  }
}

run('bench:live', main);
