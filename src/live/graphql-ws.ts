import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import WebSocket, { type WebSocketServer } from 'ws';
import type { Logger } from '../logger';

/** What graphql-ws hands the server hooks as `ctx.extra`. */
export interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
  [key: string]: unknown;
}

/** Bytes a socket may have waiting in Node before a send waits for the client to read. */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * graphql-ws's protocol (makeServer) on a `ws` server: the library's `use/ws` adapter, with three
 * changes that matter for a public feed with thousands of subscribers.
 *
 * - A send does not wait for the socket's write callback unless the socket is backed up: the
 *   library's adapter allocates a promise and a callback per message and waits a turn for each,
 *   which at 10,000 subscribers is a large share of the work per event. A client that stops
 *   reading still stops its subscription's loop (its buffer passes the high-water mark), so its
 *   queue in the live feed fills and it is ended, as before.
 * - Errors are logged through our logger, once, not printed with console.error (a stream of
 *   oversized messages from a hostile client must not flood stderr).
 * - Keep-alive: a ping every `keepAliveMs`; a client that does not answer before the next one is
 *   terminated, so dead connections release their subscriptions.
 */
export function serveGraphQLWs<P extends Record<string, unknown> | undefined>(
  options: ServerOptions<P, SocketExtra>,
  wsServer: WebSocketServer,
  logger: Logger,
  keepAliveMs = 12_000,
): { dispose(): Promise<void> } {
  const server = makeServer<P, SocketExtra>(options);
  wsServer.options.handleProtocols = handleProtocols;
  wsServer.on('error', (error: Error & { syscall?: string }) => {
    // ws repeats the HTTP server's errors; failing to listen is reported where it is handled.
    if (['listen', 'bind', 'getaddrinfo'].includes(error.syscall ?? '')) return;
    logger.error({ err: error }, 'websocket server error');
  });

  wsServer.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    socket.once('error', (error) => {
      // e.g. a frame over maxPayload: ws has already closed the socket with the right code.
      logger.warn({ err: error }, 'websocket error');
      if (socket.readyState === WebSocket.OPEN)
        socket.close(CloseCode.InternalServerError, 'Internal server error');
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

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (socket.readyState !== WebSocket.OPEN) return;
          if (socket.bufferedAmount < HIGH_WATER_BYTES) {
            socket.send(data);
            return;
          }
          return new Promise<void>((resolve, reject) =>
            socket.send(data, (error) => (error ? reject(error) : resolve())),
          );
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data: WebSocket.RawData) => {
            try {
              await handle(String(data));
            } catch (error) {
              logger.error({ err: error }, 'websocket message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request },
    );

    socket.once('close', (code, reason) => {
      clearTimeout(firstPing);
      clearInterval(keepAlive);
      void closed(code, String(reason));
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
