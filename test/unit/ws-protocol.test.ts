import { type ExecutionArgs, type ExecutionResult, GraphQLError } from 'graphql';
import { MessageType } from 'graphql-ws';
import {
  MAX_OPERATION_ID_LENGTH,
  openProtocol,
  type ProtocolHooks,
} from '../../src/live/ws-protocol';

/**
 * The protocol server with a socket whose sends wait until the test lets them through: the
 * backpressure a client that stops reading causes, without a real network.
 */
function harness({ cap = 2 } = {}) {
  const sent: string[] = [];
  const closes: { code: number; reason: string }[] = [];
  let blocked = false;
  const waiting: (() => void)[] = [];
  /** Every iterator the server was given, with whether it was ended (return()). */
  const streams: { push(value: ExecutionResult): void; returned: boolean }[] = [];
  let released = 0;
  let running = 0;
  let maxRunning = 0;

  const hooks: ProtocolHooks<object> = {
    connectionInitWaitMs: 60_000,
    onConnect: async () => true,
    async onSubscribe(ctx) {
      running = ctx.running;
      maxRunning = Math.max(maxRunning, ctx.running);
      if (ctx.running > cap) {
        return { args: [new GraphQLError('over the cap')], release: () => (released += 1) };
      }
      return { args: {} as ExecutionArgs, release: () => (released += 1) };
    },
    async subscribe() {
      const queue: ExecutionResult[] = [];
      let wake: (() => void) | undefined;
      const stream = {
        returned: false,
        push(value: ExecutionResult) {
          queue.push(value);
          wake?.();
        },
      };
      streams.push(stream);
      const iterator: AsyncIterator<ExecutionResult> = {
        async next() {
          while (!stream.returned && queue.length === 0)
            await new Promise<void>((resolve) => (wake = resolve));
          if (stream.returned) return { done: true, value: undefined };
          return { done: false, value: queue.shift()! };
        },
        async return() {
          stream.returned = true;
          wake?.();
          return { done: true, value: undefined };
        },
      };
      return iterator;
    },
    formatErrors: (errors) => errors.map((error) => ({ message: error.message })),
    nextFrame: (id, result) => JSON.stringify({ id, type: 'next', payload: result }),
  };
  const protocol = openProtocol(
    {
      protocol: 'graphql-transport-ws',
      send(data) {
        sent.push(String(data));
        if (!blocked) return;
        return new Promise<void>((resolve) => waiting.push(resolve));
      },
      close: (code, reason) => closes.push({ code, reason }),
    },
    {},
    hooks,
  );
  const message = (value: object) => protocol.onMessage(JSON.stringify(value));
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return {
    sent,
    closes,
    streams,
    protocol,
    get released() {
      return released;
    },
    get running() {
      return running;
    },
    get maxRunning() {
      return maxRunning;
    },
    block: () => (blocked = true),
    unblock() {
      blocked = false;
      for (const resolve of waiting.splice(0)) resolve();
    },
    tick,
    async init() {
      void message({ type: MessageType.ConnectionInit });
      await tick();
    },
    subscribe(id: string) {
      void message({ id, type: MessageType.Subscribe, payload: { query: 'subscription { x }' } });
      return tick();
    },
    complete(id: string) {
      void message({ id, type: MessageType.Complete });
      return tick();
    },
  };
}

test('complete then subscribe with the same id while a send waits leaves no orphan', async () => {
  const h = harness();
  await h.init();
  await h.subscribe('k');
  h.block();
  h.streams[0]!.push({ data: { x: 1 } });
  await h.tick();
  // The first operation's loop now waits on its send; the client completes it and reuses the id.
  await h.complete('k');
  expect(h.streams[0]!.returned).toBe(true);
  await h.subscribe('k');
  expect(h.streams).toHaveLength(2);
  h.unblock();
  await h.tick();
  await h.tick();
  // The first operation's end must not have removed the second one's entry: completing k now
  // ends the second operation.
  expect(h.streams[1]!.returned).toBe(false);
  await h.complete('k');
  expect(h.streams[1]!.returned).toBe(true);
  await h.tick();
  expect(h.released).toBe(2);
});

test('closing the socket ends every operation, including one still finishing', async () => {
  const h = harness({ cap: 5 });
  await h.init();
  await h.subscribe('a');
  h.block();
  h.streams[0]!.push({ data: { x: 1 } });
  await h.tick();
  await h.complete('a');
  await h.subscribe('a');
  await h.subscribe('b');
  h.protocol.closed();
  expect(h.streams.map((stream) => stream.returned)).toEqual([true, true, true]);
});

test('the per-socket cap counts operations the client completed that are still ending', async () => {
  const h = harness({ cap: 2 });
  await h.init();
  await h.subscribe('a');
  await h.subscribe('b');
  h.block();
  h.streams[0]!.push({ data: { x: 1 } });
  await h.tick();
  await h.complete('a');
  // a is still ending (its send waits): a new subscription makes three running, over the cap.
  await h.subscribe('c');
  expect(h.running).toBe(3);
  expect(h.streams).toHaveLength(2); // c was refused before it started
  expect(h.sent.at(-1)).toContain('"type":"error"');
});

test(`an id longer than ${MAX_OPERATION_ID_LENGTH} characters closes the socket with 4400`, async () => {
  const h = harness();
  await h.init();
  await h.subscribe('x'.repeat(MAX_OPERATION_ID_LENGTH));
  expect(h.closes).toEqual([]);
  await h.subscribe('y'.repeat(MAX_OPERATION_ID_LENGTH + 1));
  expect(h.closes).toEqual([
    { code: 4400, reason: `Subscription id longer than ${MAX_OPERATION_ID_LENGTH} characters` },
  ]);
  expect(h.streams).toHaveLength(1);
});

test('a running id subscribed again closes with 4409', async () => {
  const h = harness();
  await h.init();
  await h.subscribe('a');
  await h.subscribe('a');
  expect(h.closes.map((close) => close.code)).toEqual([4409]);
});
