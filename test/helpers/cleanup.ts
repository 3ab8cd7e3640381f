import type { ChildProcess } from 'node:child_process';
import { killServerProcesses } from './processes';
import { stopAllServers } from './server';
import { closeRawSockets, disposeClients } from './ws';

type Task = () => unknown;

const beforeServers: Task[] = [];
const afterServers: Task[] = [];
const children = new Set<ChildProcess>();

/**
 * Registers `task` for cleanUp. By default it runs once the servers and processes are gone, last
 * registered first (databases, proxies, data dirs and clusters they used); with 'before-servers'
 * it runs first (what would keep a server from stopping: a database closed to connections, a
 * client that reconnects for ever).
 */
export function onCleanup(task: Task, when: 'before-servers' | 'after-servers' = 'after-servers') {
  (when === 'before-servers' ? beforeServers : afterServers).push(task);
}

/** A child process (not one of startServerProcess's) for cleanUp to SIGKILL if it still runs. */
export function killOnCleanup<C extends ChildProcess>(child: C): C {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * For afterAll in every test file: nothing the file opened may outlive it, whatever failed. In
 * order: 'before-servers' tasks, graphql-ws clients and raw sockets (ws.ts), test servers
 * (server.ts), server processes (processes.ts) and children registered here, then the other
 * tasks, last registered first. Every step runs; the first error is thrown at the end.
 */
export async function cleanUp(): Promise<void> {
  const errors: unknown[] = [];
  const run = async (step: Task) => {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  };
  while (beforeServers.length) await run(beforeServers.pop()!);
  await run(disposeClients);
  await run(closeRawSockets);
  await run(stopAllServers);
  await run(killServerProcesses);
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  while (afterServers.length) await run(afterServers.pop()!);
  if (errors.length > 0) throw errors[0];
}
