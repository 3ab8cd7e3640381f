import { type ChildProcess, fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import {
  createApiKey,
  percentile,
  procStats,
  round,
  run,
  type Server,
  startServer,
  stopServer,
  writeResults,
} from './harness';

/**
 * `npm run bench:live-attack`: an honest subscriber's latency, and the server's memory, while
 * anonymous clients attack the live feed within every documented limit.
 *
 * Phases, one after another on one server (production mode, default caps and rate limits,
 * TRUST_PROXY=loopback so that the attacker can speak from other addresses):
 * 1. baseline: honest subscribers only;
 * 2. amplification: one address opens 40 sockets x 50 subscriptions with 2,000 distinct
 *    filter.text values, paced under the per-second request limit;
 * 3. memory: 24 addresses each open up to 24 sockets with 50 subscriptions each (declared
 *    variables that are kept, undeclared ones that must not be) until the budgets refuse, then
 *    stop reading.
 * In each, a writer adds measures over HTTP and the honest subscribers (bench/live-clients.ts,
 * another process) record latency from the mutation's return. Server RSS is sampled throughout
 * and read again 30 s after the attacker leaves.
 */
const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'bench' },
    honest: { type: 'string', default: '20' },
    events: { type: 'string', default: '40' },
    rate: { type: 'string', default: '2' },
    phases: { type: 'string', default: 'baseline,amplification,memory' },
  },
});

interface ClientReport {
  samples: Record<string, { received: number }[]>;
  errors: number;
  closedEarly: number;
}

function ask<T>(child: ChildProcess, message: object, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (response: { type: string }) => {
      if (response.type !== reply) return;
      child.off('message', listener);
      resolve(response as T);
    };
    child.on('message', listener);
    child.send(message);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
          summary: 'Officials barred from entering after sanctions.',
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

/** Writes EVENTS measures at RATE/s and returns the honest subscribers' latencies. */
async function honestLatency(
  server: Server,
  key: string,
  honest: ChildProcess,
  phase: string,
): Promise<{ p50: number; p99: number; max: number; lost: number }> {
  const events = Number(values.events);
  const rate = Number(values.rate);
  const returned = new Map<string, number>();
  const started = performance.now();
  for (let i = 0; i < events; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const id = await addMeasure(server.url, key, `Attack bench ${phase} ${i}`);
    returned.set(id, performance.timeOrigin + performance.now());
  }
  await sleep(3000);
  const report = await ask<ClientReport>(honest, { type: 'report' }, 'report');
  const latencies: number[] = [];
  for (const [id, list] of Object.entries(report.samples)) {
    const at = returned.get(id);
    if (at !== undefined) for (const sample of list) latencies.push(sample.received - at);
  }
  latencies.sort((a, b) => a - b);
  return {
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? NaN),
    lost: events * Number(values.honest) - latencies.length,
  };
}

async function bench(): Promise<void> {
  const server = await startServer('attack', { TRUST_PROXY: 'loopback' });
  const honest = fork('dist/bench/live-clients.js', [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const attacker = fork('dist/bench/live-attack.js', ['--role', 'attacker'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const rssMiB = () => round(procStats(server.child.pid!).rssKb / 1024);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 100);
  const rows: Record<string, string | number>[] = [];
  try {
    const key = createApiKey(server, 'editor', 'attack bench');
    await new Promise((resolve) => honest.once('message', resolve));
    await ask(
      honest,
      { type: 'connect', url: server.url, count: Number(values.honest) },
      'connected',
    );
    const phase = async (name: string, attack: string, held: () => Promise<object>) => {
      peak = rssMiB();
      const before = peak;
      const holding = await held();
      const latency = await honestLatency(server, key, honest, name);
      const during = peak;
      await ask(attacker, { type: 'leave' }, 'left');
      await sleep(30_000);
      rows.push({
        phase: name,
        attack,
        'honest p50 ms': latency.p50,
        'honest p99 ms': latency.p99,
        'honest max ms': latency.max,
        'honest lost': latency.lost,
        'RSS MiB before': before,
        'RSS MiB peak': during,
        'RSS MiB 30 s after leaving': rssMiB(),
        'attacker held': JSON.stringify(holding).replace(/"/g, ''),
      });
      process.stdout.write(`${JSON.stringify(rows.at(-1))}\n`);
    };
    const phases = values.phases!.split(',');
    if (phases.includes('baseline')) await phase('baseline', 'none', async () => ({}));
    if (phases.includes('amplification')) {
      await phase('amplification', '40 sockets x 50 distinct filter.text, 1 address', () =>
        ask(attacker, { type: 'amplify', url: server.url }, 'holding'),
      );
    }
    if (phases.includes('memory')) {
      await phase('memory', 'sockets and variables up to the budget, 24 addresses', () =>
        ask(attacker, { type: 'memory', url: server.url }, 'holding'),
      );
    }
  } finally {
    clearInterval(sampler);
    honest.send({ type: 'exit' });
    attacker.send({ type: 'exit' });
    await stopServer(server);
  }
  const baseline = rows.find((row) => row.phase === 'baseline');
  const amplified = rows.find((row) => row.phase === 'amplification');
  writeResults(
    'bench-live-attack',
    `Server: one instance, production mode, default caps and rate limits, TRUST_PROXY=loopback. ` +
      `Honest: ${values.honest} subscribers (measureAdded { id title createdAt imposedBy { code } }), ` +
      `latency from the mutation's return; writer: ${values.events} measures at ${values.rate}/s per phase. ` +
      (baseline && amplified
        ? `Amplification p99 / baseline p99: ${round(Number(amplified['honest p99 ms']) / Number(baseline['honest p99 ms']))}.`
        : ''),
    rows,
  );
}

// ---- the attacker's process ----

const sockets: WebSocket[] = [];
let refusals: Record<string, number> = {};

function note(reason: string): void {
  refusals[reason] = (refusals[reason] ?? 0) + 1;
}

/** An acknowledged socket from `address`, or undefined when the upgrade or init is refused. */
function open(url: string, address: string): Promise<WebSocket | undefined> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
    headers: { 'x-forwarded-for': address },
  });
  return new Promise((resolve) => {
    socket.once('unexpected-response', (_request, response) => {
      note(`upgrade ${response.statusCode}`);
      response.resume();
      resolve(undefined);
    });
    socket.once('error', () => resolve(undefined));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        type: string;
        payload?: { extensions?: { code?: string; budget?: string } }[];
      };
      if (message.type === 'connection_ack') {
        sockets.push(socket);
        resolve(socket);
      } else if (message.type === 'error') {
        const extensions = message.payload?.[0]?.extensions;
        note(
          `error ${extensions?.code ?? '?'}${extensions?.budget ? ` ${extensions.budget}` : ''}`,
        );
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      }
    });
    socket.once('close', (code) => {
      note(`closed ${code}`);
      resolve(undefined);
    });
  });
}

/** Sends at most `perSecond` subscribe messages a second: under the per-address request limit. */
async function paced(count: number, perSecond: number, send: (i: number) => void): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = started + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await sleep(wait);
    send(i);
  }
}

const WORDS = ['sanction', 'ban', 'freeze', 'asset', 'entry', 'export', 'import', 'aid', 'talks'];

async function amplify(url: string): Promise<object> {
  const address = '203.0.113.7';
  const opened: WebSocket[] = [];
  for (let i = 0; i < 40; i++) {
    const socket = await open(url, address);
    if (socket) opened.push(socket);
    await sleep(15);
  }
  await paced(opened.length * 50, 80, (i) => {
    const text = `${WORDS[i % WORDS.length]} ${WORDS[(i >> 3) % WORDS.length]} w${i}`;
    opened[i % opened.length]!.send(
      JSON.stringify({
        id: `s${i}`,
        type: 'subscribe',
        payload: {
          query: 'subscription($t: String) { measureAdded(filter: { text: $t }) { id title } }',
          variables: { t: text },
        },
      }),
    );
  });
  await sleep(2000);
  return { sockets: opened.length, subscribes: opened.length * 50, ...refusals };
}

async function memory(url: string): Promise<object> {
  // Declared: 300 country codes (the most a filter takes), which the subscription keeps and is
  // charged for. Undeclared: 1,000 empty objects, about 70 KB once parsed, which it must not keep.
  const variables = {
    codes: Array.from({ length: 300 }, () => 'RU'),
    unused: Array.from({ length: 1000 }, () => ({})),
  };
  const query =
    'subscription($codes: [String!]) { measureAdded(filter: { imposedBy: $codes }) { id title summary sources { title url } } }';
  let sent = 0;
  await Promise.all(
    Array.from({ length: 24 }, async (_, a) => {
      const address = `198.51.100.${a + 10}`;
      for (let s = 0; s < 24; s++) {
        const socket = await open(url, address);
        if (!socket) break;
        // 50 a second from each address: under its 100 requests a second.
        await paced(50, 50, (i) => {
          socket.send(
            JSON.stringify({ id: `m${i}`, type: 'subscribe', payload: { query, variables } }),
          );
          sent += 1;
        });
      }
    }),
  );
  await sleep(2000);
  // Stop reading: whatever the server sends them now waits in its buffers.
  for (const socket of sockets)
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
  return { sockets: sockets.length, subscribes: sent, ...refusals };
}

function attackerProcess(): void {
  process.on('message', async (message: { type: string; url?: string }) => {
    if (message.type === 'amplify') {
      refusals = {};
      process.send!({ type: 'holding', ...(await amplify(message.url!)) });
    } else if (message.type === 'memory') {
      refusals = {};
      process.send!({ type: 'holding', ...(await memory(message.url!)) });
    } else if (message.type === 'leave') {
      for (const socket of sockets.splice(0)) socket.terminate();
      process.send!({ type: 'left' });
    } else if (message.type === 'exit') {
      process.exit(0);
    }
  });
}

if (values.role === 'attacker') attackerProcess();
else run('bench:live-attack', bench);
