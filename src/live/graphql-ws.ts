import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols } from 'graphql-ws';
import WebSocket, { type WebSocketServer } from 'ws';
import type { Logger } from '../logger';
import { openProtocol, type ProtocolHooks } from './ws-protocol';

/** What the server hooks get as `ctx.extra`, besides what `extraOf` adds. */
export interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

/** Bytes a socket may have waiting in Node before a send waits for the client to read. */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * Close code for a socket whose unsent bytes passed what it may hold: the client reads too slowly
 * for what it subscribed to. graphql-ws clients reconnect after it, and can resume with `since`.
 */
export const CLOSE_SEND_BUFFER_FULL = 4413;

/** WebSocket's own 1009: a message larger than this connection may hold while it arrives. */
export const CLOSE_MESSAGE_TOO_BIG = 1009;

/**
 * Bytes ws has received on a socket that are not yet a whole message: its receiver's buffer and
 * the fragments collected so far. ws keeps them in private fields (stable across ws 8); if they
 * move, this reads 0 and test/e2e/limits/websocket-budget.test.ts's partial-message case fails.
 */
function inboundBytes(socket: WebSocket): number {
  const receiver = (socket as unknown as { _receiver?: Record<string, unknown> })._receiver;
  const buffered = receiver?._bufferedBytes;
  const fragments = receiver?._totalPayloadLength;
  return (
    (typeof buffered === 'number' ? buffered : 0) + (typeof fragments === 'number' ? fragments : 0)
  );
}

export interface GraphQLWsOptions<Extra extends SocketExtra> {
  hooks: ProtocolHooks<Extra>;
  /** The state kept per socket, made when it opens; undefined refuses it (the hook closes it). */
  extraOf(socket: WebSocket, request: IncomingMessage): Extra | undefined;
  /**
   * Charges the bytes in transit on this socket: a message still arriving, or output the client
   * has not read; false when they pass what the socket may hold.
   */
  holdTransit(extra: Extra, kind: 'inbound' | 'unsent', bytes: number): boolean;
  logger: Logger;
  keepAliveMs?: number;
}

/**
 * The graphql-transport-ws protocol (ws-protocol.ts) on a `ws` server, with what a public feed
 * with thousands of subscribers needs:
 *
 * - A send does not wait for the socket's write callback unless the socket is backed up: a
 *   promise and a callback per message at 10,000 subscribers is a large share of the work per
 *   event. A client that stops reading still stops its subscriptions' loops (its buffer passes
 *   the high-water mark), so their queues in the live feed fill and they are ended; and one whose
 *   unsent bytes pass its budget is closed with CLOSE_SEND_BUFFER_FULL.
 * - Errors are logged through our logger, once, not printed with console.error.
 * - Keep-alive: a ping every `keepAliveMs`; a client that does not answer before the next one is
 *   terminated, so dead connections release their subscriptions.
 */
export function serveGraphQLWs<Extra extends SocketExtra>(
  wsServer: WebSocketServer,
  options: GraphQLWsOptions<Extra>,
): { dispose(): Promise<void> } {
  const { logger, keepAliveMs = 12_000 } = options;
  wsServer.options.handleProtocols = handleProtocols;
  wsServer.on('error', (error: Error & { syscall?: string }) => {
    // ws repeats the HTTP server's errors; failing to listen is reported where it is handled.
    if (['listen', 'bind', 'getaddrinfo'].includes(error.syscall ?? '')) return;
    logger.error({ err: error }, 'websocket server error');
  });

  wsServer.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    socket.once('error', (error) => {
      // e.g. a frame over maxPayload: ws has already closed the socket with the right code.
      logger.info({ err: { message: error.message } }, 'websocket error');
      if (socket.readyState === WebSocket.OPEN)
        socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    const extra = options.extraOf(socket, request);
    if (!extra) return;
    // After ws's own listener (added first) has taken what it could of each chunk.
    const raw = (socket as unknown as { _socket?: import('node:net').Socket })._socket;
    raw?.on('data', () => {
      if (
        !options.holdTransit(extra, 'inbound', inboundBytes(socket)) &&
        socket.readyState === WebSocket.OPEN
      ) {
        socket.close(CLOSE_MESSAGE_TOO_BIG, 'Message larger than this connection may hold');
        // Read no more of it: ws's close timer ends the connection if the client never answers.
        raw.pause();
      }
    });

    // Pings at a random phase per socket: thousands of clients that connected together must not
    // be pinged (and answer) together, in a burst that would delay the feed.
    let alive = true;
    socket.on('pong', () => (alive = true));
    let keepAlive: NodeJS.Timeout | undefined;
    const ping = () => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    };
    const firstPing = setTimeout(() => {
      ping();
      keepAlive = setInterval(ping, keepAliveMs);
    }, Math.random() * keepAliveMs);

    // Sends waiting for the client to read: settled when it does, or when the socket closes.
    const waiting = new Set<() => void>();
    let unsentCharged = 0;
    const holdUnsent = (bytes: number) => {
      if (!options.holdTransit(extra, 'unsent', bytes)) return false;
      unsentCharged = bytes;
      return true;
    };
    raw?.on('drain', () => holdUnsent(socket.bufferedAmount));
    const protocol = openProtocol(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (socket.readyState !== WebSocket.OPEN) return;
          const unsent = socket.bufferedAmount;
          // Output the client has not read is held for it and charged like the rest; a client
          // that keeps up (nothing unsent) costs one comparison.
          if ((unsent > 0 || unsentCharged > 0) && !holdUnsent(unsent + data.length)) {
            socket.close(CLOSE_SEND_BUFFER_FULL, 'Too much unsent; read faster, then resume');
            return;
          }
          if (unsent < HIGH_WATER_BYTES) {
            socket.send(data, { binary: false });
            return;
          }
          return new Promise<void>((resolve) => {
            const done = () => {
              waiting.delete(done);
              resolve();
            };
            waiting.add(done);
            socket.send(data, { binary: false }, done);
          });
        },
        close: (code, reason) => socket.close(code, reason),
      },
      extra,
      options.hooks,
    );
    socket.on('message', (data: WebSocket.RawData) => {
      protocol.onMessage(String(data)).catch((error: unknown) => {
        logger.error({ err: error }, 'websocket message handling failed');
        if (socket.readyState === WebSocket.OPEN)
          socket.close(CloseCode.InternalServerError, 'Internal server error');
      });
    });
    socket.once('close', () => {
      clearTimeout(firstPing);
      clearInterval(keepAlive);
      protocol.closed();
      for (const done of [...waiting]) done();
    });
  });

  return {
    /** 1001 Going Away to every client; one that has not completed the close in 2 s is cut off. */
    async dispose() {
      for (const client of wsServer.clients) client.close(1001, 'Going away');
      const cutOff = setTimeout(() => {
        for (const client of wsServer.clients) client.terminate();
      }, 2000);
      wsServer.removeAllListeners('connection');
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      clearTimeout(cutOff);
    },
  };
}
