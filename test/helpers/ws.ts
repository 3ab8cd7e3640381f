import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface Received {
  data?: any;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface TestSubscription {
  events: Received[];
  /** Errors sent as an `error` message (the subscription is over). */
  failed: unknown;
  completed: boolean;
  /** Resolves once `count` events have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  /** Resolves when the server completes or fails the subscription. */
  ended(timeoutMs?: number): Promise<void>;
  unsubscribe(): void;
}

export interface TestClient {
  client: Client;
  closed: Promise<{ code: number; reason: string }>;
  subscribe(query: string, variables?: Record<string, unknown>): TestSubscription;
  dispose(): Promise<void>;
}

const clients = new Set<TestClient>();

function waitUntil(
  check: () => boolean,
  timeoutMs: number,
  what: string,
  onChange: Set<() => void>,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      onChange.delete(listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const listener = () => {
      if (!check()) return;
      clearTimeout(timer);
      onChange.delete(listener);
      resolve();
    };
    onChange.add(listener);
  });
}

/** A graphql-ws client (protocol graphql-transport-ws) for one server; closed by disposeClients. */
export function connect(url: string, connectionParams?: Record<string, unknown>): TestClient {
  let resolveClosed!: (value: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>(
    (resolve) => (resolveClosed = resolve),
  );
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: { closed: (event) => resolveClosed(event as { code: number; reason: string }) },
  });
  const testClient: TestClient = {
    client,
    closed,
    subscribe(query, variables) {
      const listeners = new Set<() => void>();
      const changed = () => listeners.forEach((listener) => listener());
      const subscription: TestSubscription = {
        events: [],
        failed: undefined,
        completed: false,
        async waitFor(count, timeoutMs = 5000) {
          await waitUntil(
            () => subscription.events.length >= count,
            timeoutMs,
            `${count} events`,
            listeners,
          );
          return subscription.events;
        },
        ended(timeoutMs = 5000) {
          return waitUntil(
            () => subscription.completed || subscription.failed !== undefined,
            timeoutMs,
            'the end',
            listeners,
          );
        },
        unsubscribe: () => undefined,
      };
      subscription.unsubscribe = client.subscribe(
        { query, variables },
        {
          next: (value) => {
            subscription.events.push(value as Received);
            changed();
          },
          error: (error) => {
            subscription.failed = error ?? 'error';
            changed();
          },
          complete: () => {
            subscription.completed = true;
            changed();
          },
        },
      );
      return subscription;
    },
    async dispose() {
      clients.delete(testClient);
      await client.dispose();
    },
  };
  clients.add(testClient);
  return testClient;
}

export async function disposeClients(): Promise<void> {
  await Promise.all([...clients].map((client) => client.dispose()));
}

const sockets = new Set<WebSocket>();

/** A WebSocket opened by a test, for closeRawSockets to terminate if it is still open. */
export function trackSocket(socket: WebSocket): WebSocket {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
  return socket;
}

export function closeRawSockets(): void {
  for (const socket of sockets) socket.terminate();
  sockets.clear();
}

/** A raw WebSocket speaking graphql-transport-ws, for protocol-level tests; closed by closeRawSockets. */
export function rawSocket(url: string): Promise<WebSocket> {
  const socket = trackSocket(new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws'));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

export function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}

export function nextMessage(socket: WebSocket): Promise<any> {
  return new Promise((resolve) =>
    socket.once('message', (data) => resolve(JSON.parse(data.toString()))),
  );
}
