import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The floor of bench:live: a bare `ws` server, in a process of its own, that speaks just enough
 * graphql-transport-ws for the benchmark's subscribers (ack, accept one subscribe) and, told over
 * IPC, sends one ready serialised `next` frame to every subscriber in a plain loop. Whatever the
 * project spends per event beyond this is its own overhead on this host.
 */
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const subscribed = new Set<WebSocket>();

server.on('connection', (socket) => {
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; id?: string };
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'subscribe') subscribed.add(socket);
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
  });
  socket.on('close', () => subscribed.delete(socket));
});

server.on('listening', () => {
  const { port } = server.address() as { port: number };
  process.send!({ type: 'listening', url: `http://127.0.0.1:${port}/graphql` });
});

process.on('message', (message: { type: string; frame?: string }) => {
  if (message.type === 'send') {
    for (const socket of subscribed) socket.send(message.frame!);
  } else if (message.type === 'exit') {
    server.close();
    process.exit(0);
  }
});
