import type http from 'node:http';
import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';
import type { Config } from '../config';
import { rateLimitKeyOf } from '../limits/client-address';

/** Sockets by the API key they authenticated with, so a revoked key's sockets can be closed. */
export function socketsByKey() {
  const sockets = new Map<number, Set<WebSocket>>();
  return {
    add(apiKeyId: number, socket: WebSocket) {
      let set = sockets.get(apiKeyId);
      if (!set) sockets.set(apiKeyId, (set = new Set()));
      set.add(socket);
      socket.once('close', () => {
        set.delete(socket);
        if (set.size === 0 && sockets.get(apiKeyId) === set) sockets.delete(apiKeyId);
      });
    },
    /** Ends every socket of a revoked key: its subscriptions stop with them (4403). */
    revoked(apiKeyId: number) {
      for (const socket of sockets.get(apiKeyId) ?? []) {
        socket.close(CloseCode.Forbidden, 'Forbidden: API key revoked');
      }
    },
  };
}

/**
 * Open sockets, in all and per client address (an IPv6 /64 counting as one, as for rate limits).
 * Past either limit the upgrade is answered 503 with Retry-After, which graphql-ws clients meet
 * with their retry back-off.
 */
export function socketCounts(
  config: Config,
  clientAddressOf: (request: http.IncomingMessage) => string,
): {
  admits(request: http.IncomingMessage): boolean;
  track(socket: WebSocket, request: http.IncomingMessage): void;
} {
  let total = 0;
  const perAddress = new Map<string, number>();
  const keyOf = (request: http.IncomingMessage) => rateLimitKeyOf(clientAddressOf(request));
  return {
    admits(request) {
      return (
        total < config.wsMaxConnections &&
        (perAddress.get(keyOf(request)) ?? 0) < config.wsMaxConnectionsPerAddress
      );
    },
    track(socket, request) {
      const key = keyOf(request);
      total += 1;
      perAddress.set(key, (perAddress.get(key) ?? 0) + 1);
      socket.once('close', () => {
        total -= 1;
        const left = (perAddress.get(key) ?? 1) - 1;
        if (left > 0) perAddress.set(key, left);
        else perAddress.delete(key);
      });
    },
  };
}
