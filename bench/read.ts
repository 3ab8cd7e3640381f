import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { Client } from 'pg';
import {
  databaseUrl,
  percentile,
  procStats,
  round,
  run,
  type Server,
  startServer,
  stopServer,
  TICKS_PER_SECOND,
  writeResults,
} from './harness';
import { type BenchData, READ_QUERIES, type ReadQuery } from './read-queries';

/**
 * `npm run bench:read`: read throughput of the API against the fastest hand-written answer.
 *
 * Both servers run on one embedded PostgreSQL holding the brief's data set (250 countries, 50k
 * officials, 200k measures, 1.1M targets). The API runs as `npm start` runs it (production mode);
 * the reference (bench/read-baseline.ts) answers each query with one prepared SQL statement that
 * builds the JSON in PostgreSQL. Both are checked to give the same `data` first. Then, in each
 * round, each query is sent to each server by CONCURRENCY closed-loop clients for SECONDS, and
 * requests per second, latency and the Node process's CPU per request are recorded. Medians over
 * the rounds; the ratio is API / reference in the same round. Results go to bench/results/ and are printed as a table.
 */

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2', description: 'seconds, not measured' },
    concurrency: { type: 'string', default: '8' },
    scale: { type: 'string', default: '1', description: 'fraction of the brief data set' },
    only: { type: 'string', description: 'queries to run, e.g. Q1,Q3 (all by default)' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const CONCURRENCY = Number(values.concurrency);
const SCALE = Number(values.scale);
const QUERIES = READ_QUERIES.filter(
  (query) => !values.only || values.only.split(',').includes(query.name.split(' ')[0]!),
);

const OFFICIALS = Math.round(50_000 * SCALE);
const MEASURES = Math.round(200_000 * SCALE);
const STATEMENT_EVERY = 10; // one measure in ten has a statement

async function loadData(url: string): Promise<BenchData> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const kinds = `ARRAY['ENTRY_BAN','ASSET_FREEZE','SANCTIONS_PACKAGE','TRADE_RESTRICTION',
    'IMPORT_BAN','EXPORT_CONTROL','INVESTMENT_RESTRICTION','FINANCIAL_RESTRICTION',
    'DIPLOMATIC_EXPULSION','DIPLOMATIC_DOWNGRADE','DESIGNATION','TALKS_SUSPENDED',
    'MILITARY_ACTIVITY','AID','OTHER']`;
  const categories = `ARRAY['HEAD_OF_STATE','HEAD_OF_GOVERNMENT','MINISTER','LEGISLATOR',
    'DIPLOMAT','MILITARY','OFFICIAL','JOURNALIST','ACADEMIC','BUSINESS','OTHER']`;
  const codes = `(SELECT array_agg(code ORDER BY code) AS codes, count(*)::int AS n FROM country) c`;
  await client.query(`
    INSERT INTO official (name, country_code, category, position)
    SELECT 'Official ' || g, c.codes[1 + g % c.n], (${categories})[1 + g % 11],
      CASE WHEN g % 3 = 0 THEN 'Deputy minister' END
    FROM generate_series(1, ${OFFICIALS}) AS g, ${codes}`);
  // Imposing country, kind and target count vary independently; each measure names
  // 1 + g % 10 officials (5.5 on average: 1.1M targets for 200k measures).
  await client.query(`
    INSERT INTO measure (kind, title, summary, imposed_by_code, target_country_code, target_count,
      announced_on, status)
    SELECT (${kinds})[1 + (g / c.n) % 15], 'Measure ' || g, 'Loaded for the read benchmark.',
      c.codes[1 + g % c.n], c.codes[1 + (g * 7 + 1) % c.n], 1 + g % 10,
      date '2000-01-01' + (g * 37) % 9000, 'IN_FORCE'
    FROM generate_series(1, ${MEASURES}) AS g, ${codes}`);
  await client.query(`
    WITH bench AS (SELECT min(id) AS first FROM official WHERE name LIKE 'Official %')
    INSERT INTO measure_target (measure_id, official_id, position)
    SELECT m.id, bench.first + (m.id * 7 + k * 4999) % ${OFFICIALS}, k + 1
    FROM measure m, bench, generate_series(0, 9) AS k
    WHERE m.title LIKE 'Measure %' AND k < m.target_count`);
  await client.query(`
    INSERT INTO statement (issued_on, country_code, issuer, text)
    SELECT announced_on, imposed_by_code, 'Ministry of Foreign Affairs', 'On measure ' || id
    FROM measure WHERE title LIKE 'Measure %' AND id % ${STATEMENT_EVERY} = 0`);
  await client.query(`
    INSERT INTO statement_measure (statement_id, measure_id)
    SELECT id, substring(text FROM 12)::int FROM statement WHERE text LIKE 'On measure %'`);
  await client.query('VACUUM ANALYZE');
  const counts = await client.query(`SELECT
    (SELECT count(*) FROM country) AS countries, (SELECT count(*) FROM official) AS officials,
    (SELECT count(*) FROM measure) AS measures, (SELECT count(*) FROM measure_target) AS targets,
    (SELECT count(*) FROM statement) AS statements`);
  process.stdout.write(`loaded: ${JSON.stringify(counts.rows[0])}\n`);
  const countries = await client.query<{ code: string }>(
    'SELECT code FROM country ORDER BY md5(code)',
  );
  const officials = await client.query<{ id: number }>(
    `SELECT DISTINCT official_id AS id FROM measure_target ORDER BY 1 LIMIT 2000`,
  );
  await client.end();
  return {
    countries: countries.rows.map((r) => r.code),
    officials: officials.rows.map((r) => Buffer.from(`Official:${r.id}`).toString('base64url')),
  };
}

interface Target {
  name: string;
  port: number;
  pid: number;
  body(query: ReadQuery, index: number, variables: Record<string, string>): string;
  path: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(target: Target, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: '127.0.0.1',
        port: target.port,
        path: target.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode!, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Both servers must answer every query alike, or the comparison would mean nothing. */
async function checkSameAnswers(targets: Target[], data: BenchData): Promise<void> {
  for (const [index, query] of READ_QUERIES.entries()) {
    for (let i = 0; i < 5; i++) {
      const variables = query.variables(i, data);
      const answers = await Promise.all(
        targets.map(async (target) => {
          const { status, text } = await post(target, target.body(query, index, variables));
          const parsed = JSON.parse(text) as { data?: unknown; errors?: unknown };
          if (status !== 200 || parsed.errors || !parsed.data) {
            throw new Error(`${target.name} ${query.name} ${JSON.stringify(variables)}: ${text}`);
          }
          return parsed.data;
        }),
      );
      if (!isDeepStrictEqual(answers[0], answers[1])) {
        throw new Error(
          `${query.name} ${JSON.stringify(variables)}: the answers differ\n` +
            targets.map((t, k) => `${t.name}: ${JSON.stringify(answers[k])}`).join('\n'),
        );
      }
    }
  }
}

interface Measurement {
  requests: number;
  errors: number;
  latencies: number[];
  cpuMs: number;
  seconds: number;
}

/** CONCURRENCY clients, each sending its next request when the last one is answered. */
async function measure(
  target: Target,
  query: ReadQuery,
  index: number,
  data: BenchData,
  seconds: number,
): Promise<Measurement> {
  let next = 0;
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = procStats(target.pid).cpuTicks;
  const started = performance.now();
  const ends = started + seconds * 1000;
  const client = async () => {
    while (performance.now() < ends) {
      const body = target.body(query, index, query.variables(next++, data));
      const sent = performance.now();
      const { status, text } = await post(target, body);
      latencies.push(performance.now() - sent);
      if (status !== 200 || !text.startsWith('{"data":{')) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  const elapsed = (performance.now() - started) / 1000;
  const cpuMs = ((procStats(target.pid).cpuTicks - cpuBefore) * 1000) / TICKS_PER_SECOND;
  return { requests: latencies.length, errors, latencies, cpuMs, seconds: elapsed };
}

const median = (numbers: number[]) =>
  percentile(
    [...numbers].sort((a, b) => a - b),
    50,
  );

function startBaseline(url: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork('dist/bench/read-baseline.js', [], {
    env: { ...process.env, BASELINE_DATABASE_URL: url, NODE_ENV: 'production' },
    execArgv: ['--max-semi-space-size=64'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
    child.once('exit', (code) => reject(new Error(`reference server exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  process.stdout.write('starting the API on a fresh embedded PostgreSQL...\n');
  const server: Server = await startServer('read', { RATE_LIMIT: 'false' });
  let baseline: ChildProcess | undefined;
  try {
    const url = databaseUrl(server);
    process.stdout.write('loading the data set...\n');
    const data = await loadData(url);
    const reference = await startBaseline(url);
    baseline = reference.child;
    const api: Target = {
      name: 'API',
      port: Number(new URL(server.url).port),
      pid: server.child.pid!,
      path: new URL(server.url).pathname,
      body: (query, _index, variables) => JSON.stringify({ query: query.document, variables }),
    };
    const handWritten: Target = {
      name: 'one SQL statement',
      port: reference.port,
      pid: reference.child.pid!,
      path: '/',
      body: (_query, index, variables) => JSON.stringify({ query: index, variables }),
    };
    await checkSameAnswers([api, handWritten], data);
    process.stdout.write('both servers give the same answers\n');

    const results = READ_QUERIES.map(() => ({
      api: [] as Measurement[],
      reference: [] as Measurement[],
    }));
    for (let r = 0; r < ROUNDS; r++) {
      for (const query of QUERIES) {
        const index = READ_QUERIES.indexOf(query);
        // Alternate which server goes first, so neither always runs on a warmer cache.
        const order = r % 2 === 0 ? [api, handWritten] : [handWritten, api];
        for (const target of order) {
          await measure(target, query, index, data, WARMUP);
          const result = await measure(target, query, index, data, SECONDS);
          (target === api ? results[index]!.api : results[index]!.reference).push(result);
          process.stdout.write(
            `round ${r + 1} ${query.name} ${target.name}: ` +
              `${round(result.requests / result.seconds)} requests/s, ${result.errors} errors\n`,
          );
        }
      }
    }

    const rows = QUERIES.map((query) => {
      const { api: ours, reference: theirs } = results[READ_QUERIES.indexOf(query)]!;
      const rate = (m: Measurement) => m.requests / m.seconds;
      const ratios = ours.map((m, k) => rate(m) / rate(theirs[k]!));
      const latency = (ms: Measurement[], p: number) =>
        round(
          percentile(
            ms.flatMap((m) => m.latencies).sort((a, b) => a - b),
            p,
          ),
        );
      const cpuPerRequest = (ms: Measurement[]) =>
        round(median(ms.map((m) => m.cpuMs / m.requests)));
      const ratio = median(ratios);
      return {
        query: query.name,
        'API req/s': round(median(ours.map(rate))),
        'reference req/s': round(median(theirs.map(rate))),
        'API / reference': ratio.toFixed(2),
        'API p50 / p99 ms': `${latency(ours, 50)} / ${latency(ours, 99)}`,
        'reference p50 / p99 ms': `${latency(theirs, 50)} / ${latency(theirs, 99)}`,
        'Node CPU ms per request (API / reference)': `${cpuPerRequest(ours)} / ${cpuPerRequest(theirs)}`,
        errors: [...ours, ...theirs].reduce((sum, m) => sum + m.errors, 0),
        'API / PostGraphile (derived)': `${(ratio / 0.48).toFixed(2)}-${(ratio / 0.27).toFixed(2)}`,
      };
    });
    process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
    writeResults(
      'bench-read',
      [
        `Data: 249 countries, ${OFFICIALS} officials, ${MEASURES} measures, ${MEASURES * 5.5} ` +
          `targets, ${MEASURES / STATEMENT_EVERY} statements, in one embedded PostgreSQL. ` +
          `API: one instance, production mode, rate limits off. Reference: one prepared SQL ` +
          `statement per query building the JSON in PostgreSQL (bench/read-baseline.ts); both ` +
          `checked to give the same data. Load: ${CONCURRENCY} closed-loop keep-alive clients ` +
          `per query and server, ${SECONDS} s after ${WARMUP} s of warm-up, ${ROUNDS} rounds; ` +
          `requests/s and the ratio are medians over the rounds, latencies over all requests.`,
        '',
        ...QUERIES.map((q) => `- ${q.name}: ${q.purpose}.`),
        '',
        'API / PostGraphile is not measured here: it divides the ratio by the range the brief ' +
          'measured on this machine on 2026-11-25 (PostGraphile 5 served 0.27-0.48x the ' +
          'one-statement server).',
      ].join('\n'),
      rows,
    );
  } finally {
    baseline?.disconnect();
    agent.destroy();
    await stopServer(server);
  }
}

run('bench:read', main);
