import net from 'node:net';
import { onCleanup } from './cleanup';

export type ProxyMode = 'up' | 'frozen' | 'down';

export interface DatabaseProxy {
  /** `target` with the proxy's port: connect to this instead of the database. */
  url: string;
  /**
   * 'up' forwards both ways; 'frozen' keeps every connection open and forwards nothing (a network
   * black hole); 'down' cuts every connection and refuses new ones (the database went away).
   */
  set(mode: ProxyMode): void;
  /**
   * Arms a trap: the next COMMIT a client sends is forwarded, and its connection is cut as soon as
   * the database answers it, so the transaction is committed and the client never hears so (a
   * crash or a network cut at that moment).
   */
  trapNextCommit(): void;
  /** Whether the armed trap has fired. */
  commitTrapped(): boolean;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of the PostgreSQL of `target` (a connection URL), for tests
 * that cut, freeze or refuse the database under a running server. Closed by cleanUp.
 */
export async function startDatabaseProxy(target: string): Promise<DatabaseProxy> {
  const upstreamUrl = new URL(target);
  const sockets = new Set<net.Socket>();
  let mode: ProxyMode = 'up';
  let trapArmed = false;
  let trapFired = false;
  const server = net.createServer((client) => {
    if (mode === 'down') return client.destroy();
    const upstream = net.connect(Number(upstreamUrl.port || 5432), upstreamUrl.hostname);
    sockets.add(client);
    sockets.add(upstream);
    let commitSent = false;
    client.on('data', (data) => {
      if (mode !== 'up') return;
      if (trapArmed && !trapFired && data.includes('COMMIT')) {
        trapFired = true;
        commitSent = true;
      }
      upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (commitSent) {
        // The database has committed; its answer never arrives.
        end();
        return;
      }
      if (mode === 'up') client.write(data);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((server.address() as net.AddressInfo).port);
  const proxy: DatabaseProxy = {
    url: url.toString(),
    set(next) {
      mode = next;
      if (next === 'down') for (const socket of sockets) socket.destroy();
    },
    trapNextCommit: () => (trapArmed = true),
    commitTrapped: () => trapFired,
    close() {
      proxy.set('down');
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  onCleanup(() => proxy.close());
  return proxy;
}
