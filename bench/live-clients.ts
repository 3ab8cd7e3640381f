import WebSocket from 'ws';

/**
 * The subscribers of the live benchmark, in a process of their own so that their work does not
 * slow the server's or the writer's. Driven over IPC by bench/live.ts.
 */

interface Sample {
  received: number;
  createdAt: number;
}

const QUERY = 'subscription { measureAdded { id title createdAt imposedBy { code } } }';

let sockets: WebSocket[] = [];
/** measure id -> receive times, one entry per subscriber that got it */
let samples = new Map<string, Sample[]>();
let duplicates = 0;
let errors = 0;
let closedEarly = 0;

function now(): number {
  return performance.timeOrigin + performance.now();
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const seen = new Set<string>();
    let subscribed = false;
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
        subscribed = true;
        resolve(socket);
      } else if (message.type === 'next') {
        const received = now();
        const node = message.payload.data?.measureAdded;
        if (!node) {
          errors += 1;
          return;
        }
        if (seen.has(node.id)) {
          duplicates += 1;
          return;
        }
        seen.add(node.id);
        let list = samples.get(node.id);
        if (!list) samples.set(node.id, (list = []));
        list.push({ received, createdAt: Date.parse(node.createdAt) });
      } else if (message.type === 'error') {
        errors += 1;
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      }
    });
    socket.on('close', () => {
      if (subscribed) closedEarly += 1;
    });
    socket.on('error', reject);
  });
}

async function connect(url: string, count: number): Promise<void> {
  const wsUrl = url.replace(/^http/, 'ws');
  for (let i = 0; i < count; i += 200) {
    const batch = Math.min(200, count - i);
    sockets.push(...(await Promise.all(Array.from({ length: batch }, () => open(wsUrl)))));
  }
  // Let the server register every subscription before the writer starts.
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

async function disconnect(): Promise<void> {
  const closing = sockets.map(
    (socket) =>
      new Promise<void>((resolve) => {
        socket.removeAllListeners('close');
        socket.once('close', () => resolve());
        socket.close(1000);
      }),
  );
  await Promise.all(closing);
  sockets = [];
}

process.on('message', async (message: { type: string; url?: string; count?: number }) => {
  if (message.type === 'connect') {
    samples = new Map();
    duplicates = 0;
    errors = 0;
    closedEarly = 0;
    await connect(message.url!, message.count!);
    process.send!({ type: 'connected', count: sockets.length });
  } else if (message.type === 'report') {
    process.send!({
      type: 'report',
      samples: Object.fromEntries(samples),
      duplicates,
      errors,
      closedEarly,
    });
  } else if (message.type === 'disconnect') {
    await disconnect();
    process.send!({ type: 'disconnected' });
  } else if (message.type === 'exit') {
    process.exit(0);
  }
});
process.send!({ type: 'ready' });
