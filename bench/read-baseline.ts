import http from 'node:http';
import { Pool } from 'pg';
import { READ_QUERIES } from './read-queries';

/**
 * The reference server of `npm run bench:read`: it answers each of the three read queries with
 * one hand-written, prepared SQL statement that builds the whole `data` JSON in PostgreSQL, and
 * sends PostgreSQL's text as it is. No GraphQL, no validation, no resolvers: the fastest a Node
 * server on this database can answer these queries, which the brief's speed figures compare to.
 *
 * Request: POST / with {"query": <index in READ_QUERIES>, "variables": {...}}.
 * Started by bench/read.ts as a child process; it reports its port over IPC.
 */

const pool = new Pool({
  connectionString: process.env.BASELINE_DATABASE_URL,
  max: Number(process.env.BASELINE_POOL_SIZE ?? 10),
});
// Idle connections see the embedded PostgreSQL stop at the end of a run: not a crash.
pool.on('error', () => undefined);
const raw = { getTypeParser: () => (value: string) => value };

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString()) as {
      query: number;
      variables: Record<string, string>;
    };
    const query = READ_QUERIES[body.query]!;
    pool
      .query<{ data: string }>({
        name: `q${body.query}`,
        text: query.sql,
        values: query.params(body.variables),
        types: raw,
      })
      .then(
        ({ rows }) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(`{"data":${rows[0]?.data ?? 'null'}}`);
        },
        (error: Error) => {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ errors: [{ message: error.message }] }));
        },
      );
  });
});

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as { port: number }).port });
});
process.on('disconnect', () => {
  server.close();
  void pool.end();
});
