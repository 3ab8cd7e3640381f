import { type ExecutionArgs, type ExecutionResult, GraphQLError } from 'graphql';
import {
  CloseCode,
  GRAPHQL_TRANSPORT_WS_PROTOCOL,
  type Message,
  MessageType,
  parseMessage,
  stringifyMessage,
  type SubscribePayload,
} from 'graphql-ws';

/** Longest subscription id accepted: a UUID is 36 characters; ids are echoed in every message. */
export const MAX_OPERATION_ID_LENGTH = 128;

/** What the protocol needs of a socket (ws.ts adapts a `ws` WebSocket to it). */
export interface ProtocolSocket {
  readonly protocol: string;
  /** Resolves when the socket can take more; never rejects (a closed socket takes nothing). */
  send(data: string | Buffer): Promise<void> | void;
  close(code: number, reason: string): void;
}

/** One socket's protocol state, as the hooks see it. */
export interface ProtocolContext<Extra> {
  readonly extra: Extra;
  connectionParams: Record<string, unknown> | undefined;
  acknowledged: boolean;
  /** Subscriptions not yet finished, including those the client completed that are still ending. */
  readonly running: number;
}

export type SubscribeOutcome = ExecutionArgs | readonly GraphQLError[];

export interface ProtocolHooks<Extra> {
  /** A socket that has not sent connection_init by then is closed with 4408. */
  connectionInitWaitMs: number;
  /** true acknowledges; false closes with 4403; 'closed' when the hook closed the socket itself. */
  onConnect(ctx: ProtocolContext<Extra>): Promise<boolean | 'closed'>;
  /**
   * Admits a subscription or refuses it with errors. Returns 'closed' when it closed the socket.
   * `release` is called when the subscription ends, whatever ends it, to free what admitting it
   * reserved.
   */
  onSubscribe(
    ctx: ProtocolContext<Extra>,
    id: string,
    payload: SubscribePayload,
  ): Promise<{ args: SubscribeOutcome; release(): void } | 'closed'>;
  subscribe(args: ExecutionArgs): Promise<AsyncIterator<ExecutionResult> | ExecutionResult>;
  /** The errors a client is sent for a refused or failed subscription. */
  formatErrors(errors: readonly GraphQLError[]): unknown[];
  /** A `next` message's frame; the server caches one per result and id (see FrameCache). */
  nextFrame(id: string, result: ExecutionResult): string | Buffer;
  onClose?(ctx: ProtocolContext<Extra>): void;
}

/** A running subscription. Its id is free for reuse only once it has ended. */
class Operation {
  private iterator: AsyncIterator<ExecutionResult> | undefined;
  ended = false;

  constructor(readonly id: string) {}

  attach(iterator: AsyncIterator<ExecutionResult>): void {
    this.iterator = iterator;
    if (this.ended) void iterator.return?.();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    void this.iterator?.return?.();
  }
}

/**
 * The server side of graphql-ws's protocol (graphql-transport-ws), for one socket at a time.
 *
 * Forked from graphql-ws 6.4.2's makeServer (MIT), which the project used until a review found
 * that a client can leave subscriptions running with nothing that can end them: on a socket
 * whose sends are waiting, `complete{id:k}` then `subscribe{id:k}` starts a second operation k,
 * and when the first one's loop ends, its `finally` deletes the *second* one's entry (the
 * library keys its operations by the client's id only). The orphan kept receiving events and
 * running its filter after `complete` and after the socket closed, and the per-socket cap, which
 * counts entries, no longer counted it. (To report upstream.) Here each operation is its own
 * object: an entry is removed only by the operation that made it, and `running` counts every
 * operation until its loop has ended, so the cap holds at every instant. The fork also refuses
 * ids longer than MAX_OPERATION_ID_LENGTH (every message echoes the id) and sends `next` frames
 * that the server serialises once per result, not once per subscriber.
 */
export function openProtocol<Extra>(
  socket: ProtocolSocket,
  extra: Extra,
  hooks: ProtocolHooks<Extra>,
): { onMessage(data: string): Promise<void>; closed(): void } {
  const byId = new Map<string, Operation>();
  const unfinished = new Set<Operation>();
  let initReceived = false;
  let isClosed = false;
  const ctx: ProtocolContext<Extra> = {
    extra,
    connectionParams: undefined,
    acknowledged: false,
    get running() {
      return unfinished.size;
    },
  };
  const close = (code: number, reason: string) => {
    if (!isClosed) socket.close(code, reason);
  };

  if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
    close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
    return { onMessage: async () => undefined, closed: () => (isClosed = true) };
  }
  const initWait = setTimeout(() => {
    if (!initReceived)
      close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
  }, hooks.connectionInitWaitMs);

  const send = (message: Message) => socket.send(stringifyMessage(message));

  /**
   * Takes the payload out of its box for the hook: `run` lives as long as the subscription, and
   * anything its frame references stays in memory that long (the client's raw variables, say).
   */
  function admit(operation: Operation, box: { payload?: SubscribePayload }) {
    const payload = box.payload!;
    box.payload = undefined;
    return hooks.onSubscribe(ctx, operation.id, payload);
  }

  async function run(operation: Operation, box: { payload?: SubscribePayload }) {
    let release = () => undefined as void;
    try {
      const admitted = await admit(operation, box);
      if (admitted === 'closed') return;
      release = admitted.release;
      if (operation.ended) return;
      if (Array.isArray(admitted.args)) {
        const errors = admitted.args as readonly GraphQLError[];
        await send({
          id: operation.id,
          type: MessageType.Error,
          payload: hooks.formatErrors(errors) as never,
        });
        return;
      }
      const source = await hooks.subscribe(admitted.args as ExecutionArgs);
      if (!isIterator(source)) {
        if (!operation.ended) await socket.send(hooks.nextFrame(operation.id, source));
      } else {
        operation.attach(source);
        try {
          for (;;) {
            const next = await source.next();
            if (next.done || operation.ended) break;
            await socket.send(hooks.nextFrame(operation.id, next.value));
          }
        } catch (error) {
          if (!operation.ended) {
            await send({
              id: operation.id,
              type: MessageType.Error,
              payload: hooks.formatErrors([wrap(error)]) as never,
            });
          }
          return;
        } finally {
          operation.end();
        }
      }
      if (!operation.ended && !isClosed)
        await send({ id: operation.id, type: MessageType.Complete });
    } finally {
      operation.ended = true;
      unfinished.delete(operation);
      if (byId.get(operation.id) === operation) byId.delete(operation.id);
      release();
    }
  }

  return {
    async onMessage(data) {
      if (isClosed) return;
      let message: Message;
      try {
        message = parseMessage(data);
      } catch {
        return close(CloseCode.BadRequest, 'Invalid message received');
      }
      switch (message.type) {
        case MessageType.ConnectionInit: {
          if (initReceived)
            return close(
              CloseCode.TooManyInitialisationRequests,
              'Too many initialisation requests',
            );
          initReceived = true;
          clearTimeout(initWait);
          const params = message.payload;
          if (params && typeof params === 'object' && !Array.isArray(params))
            ctx.connectionParams = params;
          const permitted = await hooks.onConnect(ctx);
          if (permitted === 'closed' || isClosed) return;
          if (!permitted) return close(CloseCode.Forbidden, 'Forbidden');
          ctx.acknowledged = true;
          await send({ type: MessageType.ConnectionAck });
          return;
        }
        case MessageType.Ping:
          await send(
            message.payload
              ? { type: MessageType.Pong, payload: message.payload }
              : { type: MessageType.Pong },
          );
          return;
        case MessageType.Pong:
          return;
        case MessageType.Subscribe: {
          if (!ctx.acknowledged) return close(CloseCode.Unauthorized, 'Unauthorized');
          if (message.id.length > MAX_OPERATION_ID_LENGTH) {
            return close(
              CloseCode.BadRequest,
              `Subscription id longer than ${MAX_OPERATION_ID_LENGTH} characters`,
            );
          }
          if (byId.has(message.id))
            return close(
              CloseCode.SubscriberAlreadyExists,
              `Subscriber for ${message.id} already exists`,
            );
          const operation = new Operation(message.id);
          byId.set(operation.id, operation);
          unfinished.add(operation);
          return run(operation, { payload: message.payload });
        }
        case MessageType.Complete: {
          const operation = byId.get(message.id);
          if (!operation) return;
          byId.delete(message.id);
          operation.end();
          return;
        }
        default:
          return close(CloseCode.BadRequest, `Unexpected message of type ${message.type} received`);
      }
    },
    closed() {
      if (isClosed) return;
      isClosed = true;
      clearTimeout(initWait);
      for (const operation of unfinished) operation.end();
      byId.clear();
      hooks.onClose?.(ctx);
    },
  };
}

function isIterator(value: unknown): value is AsyncIterator<ExecutionResult> {
  return typeof (value as AsyncIterator<unknown>)?.next === 'function';
}

/** As graphql-ws does: what an iterator throws, in a GraphQLError without a path. */
function wrap(error: unknown): GraphQLError {
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original });
}
