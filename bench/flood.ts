import { parseArgs } from 'node:util';
import { Client } from 'pg';
import {
  createApiKey,
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

/**
 * `npm run bench:flood`: what a hostile client flooding the API does to an honest one.
 *
 * The server runs as its own process (production mode, rate limits on, TRUST_PROXY=loopback so
 * that this script can speak for many client addresses through X-Forwarded-For). An honest client
 * sends a typical query every 50 ms throughout; after a baseline period, attackers send hostile
 * requests of every class as fast as they can, from many addresses at once. Reported: the honest
 * client's latency and errors in each period, the attackers' throughput and the answers they got,
 * and the server's CPU. Results go to bench/results/ and are printed as a table.
 */

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    attackers: { type: 'string', default: '32' },
    addresses: { type: 'string', default: '64' },
  },
});
const SECONDS = Number(values.seconds);
const ATTACKERS = Number(values.attackers);
const ADDRESSES = Number(values.addresses);

const HONEST_QUERY = `{
  country(code: "ru") { name measuresImposed(first: 10) { totalCount edges { node { title announcedOn targets(first: 5) { edges { node { name } } } } } } }
  measures(first: 20, filter: { imposedBy: ["GB", "US"] }) { edges { node { title imposedBy { name } targetCountry { code } } } }
}`;

const nest = (depth: number) => `${'inResponseTo { '.repeat(depth)}id${' }'.repeat(depth)}`;
const HOSTILE: { name: string; body: string; contentType?: string }[] = [
  {
    name: 'deep nesting',
    body: JSON.stringify({ query: `{ measures { edges { node { ${nest(40)} } } } }` }),
  },
  {
    name: 'aliases',
    body: JSON.stringify({
      query: `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
    }),
  },
  {
    name: 'duplication',
    body: JSON.stringify({ query: `{ countries { ${'totalCount '.repeat(4000)} } }` }),
  },
  {
    name: 'directives',
    body: JSON.stringify({ query: `{ __typename ${'@include(if: true) '.repeat(200)} }` }),
  },
  {
    name: 'token flood',
    body: JSON.stringify({
      query: `query(${Array.from({ length: 5000 }, (_, i) => `$v${i}: Int`).join(', ')}) { __typename }`,
    }),
  },
  {
    name: 'cost bomb (variables)',
    body: JSON.stringify({
      query:
        'query($n: Int) { measures(first: $n) { edges { node { targets(first: $n) { edges { node { measures(first: $n) { edges { node { id } } } } } } } } } }',
      variables: { n: 100 },
    }),
  },
  {
    name: 'huge first',
    body: JSON.stringify({ query: '{ measures(first: 100000000) { totalCount } }' }),
  },
  {
    name: 'circular fragments',
    body: JSON.stringify({
      query:
        '{ measures { edges { node { ...A } } } } fragment A on Measure { inResponseTo { ...B } } fragment B on Measure { responses { ...A } }',
    }),
  },
  {
    name: 'sql injection',
    body: JSON.stringify({
      query:
        'query($v: String) { officials(filter: { name: $v }) { totalCount } measures(filter: { text: $v }) { totalCount } }',
      variables: { v: "'; DROP TABLE measure; -- ' OR 1=1" },
    }),
  },
  {
    name: 'oversized body',
    body: JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(300_000) }),
  },
  { name: 'invalid json', body: '{"query": "{ __typename ' },
  { name: 'wrong content type', body: 'query={__typename}', contentType: 'text/plain' },
  {
    name: 'batch',
    body: JSON.stringify(Array.from({ length: 100 }, () => ({ query: '{ __typename }' }))),
  },
];

const cpuSeconds = (pid: number) => procStats(pid).cpuTicks / TICKS_PER_SECOND;

async function loadData(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`
    INSERT INTO official (name, country_code, category)
    SELECT 'Flood official ' || g, CASE WHEN g % 2 = 0 THEN 'JP' ELSE 'RU' END, 'OFFICIAL' FROM generate_series(1, 2000) AS g`);
  await client.query(`
    INSERT INTO measure (kind, title, imposed_by_code, target_country_code, target_count, announced_on, status)
    SELECT 'SANCTIONS_PACKAGE', 'Flood measure ' || g, (ARRAY['GB','US','RU','JP'])[g % 4 + 1], 'RU', 3,
      date '2020-01-01' + (g % 1000), 'IN_FORCE'
    FROM generate_series(1, 5000) AS g`);
  await client.query(`
    INSERT INTO measure_target (measure_id, official_id, position)
    SELECT m.id, o.id, row_number() OVER (PARTITION BY m.id ORDER BY o.id)
    FROM measure m JOIN official o ON o.id % 1000 IN (m.id % 1000, (m.id + 1) % 1000)
    WHERE m.title LIKE 'Flood measure %'`);
  await client.query('ANALYZE');
  await client.end();
}

interface Honest {
  latencies: number[];
  errors: number;
}

/** A newsroom dashboard with its own API key (and so its own rate-limit budget). */
async function honestClient(url: string, key: string, until: () => boolean): Promise<Honest> {
  const result: Honest = { latencies: [], errors: 0 };
  while (!until()) {
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': '192.0.2.1',
          authorization: `Bearer ${key}`,
        },
        body: JSON.stringify({ query: HONEST_QUERY }),
      });
      const body = (await response.json()) as { errors?: unknown[] };
      if (response.status !== 200 || body.errors) result.errors += 1;
    } catch {
      result.errors += 1;
    }
    const elapsed = performance.now() - started;
    result.latencies.push(elapsed);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 50 - elapsed)));
  }
  return result;
}

async function attacker(
  url: string,
  id: number,
  stop: () => boolean,
  answers: Map<string, number>,
): Promise<number> {
  let sent = 0;
  while (!stop()) {
    const hostile = HOSTILE[(id + sent) % HOSTILE.length]!;
    const address = `198.51.${Math.floor(((id * 7 + sent) % ADDRESSES) / 256)}.${((id * 7 + sent) % ADDRESSES) % 256}`;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': hostile.contentType ?? 'application/json',
          'x-forwarded-for': address,
        },
        body: hostile.body,
      });
      const text = await response.text();
      const code = /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? 'none';
      const key = `${hostile.name}: ${response.status} ${code}`;
      answers.set(key, (answers.get(key) ?? 0) + 1);
    } catch (error) {
      answers.set(
        `${hostile.name}: ${(error as Error).message}`,
        (answers.get(`${hostile.name}: error`) ?? 0) + 1,
      );
    }
    sent += 1;
  }
  return sent;
}

function summary(result: Honest) {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    errors: result.errors,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? NaN),
  };
}

async function main(): Promise<void> {
  let server: Server | undefined;
  try {
    server = await startServer('flood', { TRUST_PROXY: 'loopback' });
    await loadData(databaseUrl(server));
    const key = createApiKey(server, 'editor', 'dashboard');
    const { url } = server;
    const pid = server.child.pid!;
    // Warm up (JIT, caches, prepared statements).
    await honestClient(
      url,
      key,
      (
        (end) => () =>
          performance.now() > end
      )(performance.now() + 2000),
    );

    process.stdout.write(`baseline, ${SECONDS} s...\n`);
    let cpu = cpuSeconds(pid);
    let end = performance.now() + SECONDS * 1000;
    const baseline = await honestClient(url, key, () => performance.now() > end);
    const baselineCpu = cpuSeconds(pid) - cpu;

    process.stdout.write(
      `flood: ${ATTACKERS} attackers from ${ADDRESSES} addresses, ${SECONDS} s...\n`,
    );
    cpu = cpuSeconds(pid);
    end = performance.now() + SECONDS * 1000;
    const answers = new Map<string, number>();
    const attacks = Array.from({ length: ATTACKERS }, (_, i) =>
      attacker(url, i, () => performance.now() > end, answers),
    );
    const flooded = await honestClient(url, key, () => performance.now() > end);
    const sent = (await Promise.all(attacks)).reduce((a, b) => a + b, 0);
    const floodCpu = cpuSeconds(pid) - cpu;
    const healthy = await fetch(url.replace('/graphql', '/readyz'));

    const rows = [
      {
        period: 'baseline (honest client alone)',
        ...summary(baseline),
        'hostile requests/s': 0,
        'server CPU % of one core': round((100 * baselineCpu) / SECONDS),
      },
      {
        period: `flood (${ATTACKERS} hostile clients, ${ADDRESSES} addresses)`,
        ...summary(flooded),
        'hostile requests/s': round(sent / SECONDS),
        'server CPU % of one core': round((100 * floodCpu) / SECONDS),
      },
    ];
    for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
    const answerLines = [...answers]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `- ${k}: ${n}`);
    process.stdout.write(`${answerLines.join('\n')}\nreadyz after the flood: ${healthy.status}\n`);
    writeResults(
      'bench-flood',
      `Server: one instance, production mode, rate limits on (defaults), on 5,000 measures. Honest client: a dashboard with an editor key, one ` +
        `typical query (two lists, nested targets) every 50 ms, latency in ms. Hostile clients: every class of ` +
        `bench/flood.ts in turn, as fast as each can, keep-alive, from ${ADDRESSES} addresses.\n\n` +
        `Answers the hostile requests got (status, code: count):\n\n${answerLines.join('\n')}\n\n/readyz after the flood: ${healthy.status}.`,
      rows,
    );
  } finally {
    if (server) await stopServer(server);
  }
}

run('bench:flood', main);
