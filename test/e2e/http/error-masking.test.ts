import { cleanUp } from '../../helpers/cleanup';
import { insertMeasure } from '../../helpers/fixtures';
import { capturingLogger } from '../../helpers/logger';
import { startTestServer } from '../../helpers/server';
import { connect, disposeClients } from '../../helpers/ws';

afterAll(cleanUp);

/** Breaks the read path: `source` disappears from under the server. */
async function breakSources(db: {
  query: (sql: string) => Promise<unknown>;
}): Promise<() => Promise<void>> {
  await db.query('ALTER TABLE source RENAME TO source_gone');
  return async () => {
    await db.query('ALTER TABLE source_gone RENAME TO source');
  };
}

test('in production an unexpected error is INTERNAL_SERVER_ERROR with a request id; the details are in the log only', async () => {
  const { logger, lines } = capturingLogger();
  const server = await startTestServer({ nodeEnv: 'production' }, undefined, logger);
  await insertMeasure(server.db, { title: 'M', imposedBy: 'GB', announcedOn: '2024-01-01' });
  const restore = await breakSources(server.db);
  try {
    const response = await server.gql(
      '{ measures { edges { node { title sources { title } } } } }',
    );
    const [error] = response.errors!;
    expect(error).toMatchObject({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    const requestId = error!.extensions!.requestId as string;
    expect(requestId).toBe(response.headers.get('x-request-id'));
    const body = JSON.stringify(response);
    expect(body).not.toMatch(/source_gone|relation|SELECT|stacktrace|\.ts:\d+/);
    const logged = lines
      .map((line) => JSON.parse(line))
      .find((entry) => entry.requestId === requestId);
    expect(logged.msg).toBe('internal error');
    expect(logged.err.message).toMatch(/relation "source" does not exist/);
  } finally {
    await restore();
  }
  const healthy = await server.gql('{ measures { edges { node { sources { title } } } } }');
  expect(healthy.errors).toBeUndefined();
});

test('in development the same error shows its message and stack, to help', async () => {
  const server = await startTestServer({ nodeEnv: 'development' });
  await insertMeasure(server.db, { title: 'M', imposedBy: 'GB', announcedOn: '2024-01-01' });
  const restore = await breakSources(server.db);
  try {
    const response = await server.gql('{ measures { edges { node { sources { title } } } } }');
    expect(response.errors![0]!.message).toMatch(/relation "source" does not exist/);
    expect(response.errors![0]!.extensions!.stacktrace).toEqual(expect.any(Array));
  } finally {
    await restore();
  }
});

test('over WebSocket too: a failure while subscribing or replaying is masked in production and logged', async () => {
  const { logger, lines } = capturingLogger();
  const server = await startTestServer(
    { nodeEnv: 'production', livePollMs: 100 },
    undefined,
    logger,
  );
  const [first, second] = [
    await insertMeasure(server.db, { title: 'M1', imposedBy: 'GB', announcedOn: '2024-01-01' }),
    await insertMeasure(server.db, { title: 'M2', imposedBy: 'GB', announcedOn: '2024-01-02' }),
  ];
  await server.db.query(
    `INSERT INTO change_log (seq, entity, entity_id, action)
     SELECT nextval('change_log_seq'), 'Measure', id, 'added' FROM unnest($1::int4[]) AS id`,
    [[first!.id, second!.id]],
  );
  await new Promise((resolve) => setTimeout(resolve, 300)); // the live feed has read both
  const subscribeSince = async (broken: string): Promise<unknown> => {
    await server.db.query(`ALTER TABLE ${broken} RENAME TO ${broken}_gone`);
    try {
      const sub = connect(server.url).subscribe(
        `subscription { measureAdded(since: "${first!.globalId}") { id } }`,
      );
      await sub.ended();
      // Refused while subscribing: a result with errors, then complete; failed later: `error`.
      return sub.failed ?? sub.events.map((event) => event.errors).flat();
    } finally {
      await server.db.query(`ALTER TABLE ${broken}_gone RENAME TO ${broken}`);
    }
  };
  // Subscribing: `since` is looked up in the change log, which is gone.
  // Replaying: `since` is found, the measure after it is not.
  const failures = [await subscribeSince('change_log'), await subscribeSince('measure')];
  for (const failed of failures) {
    expect(failed).toEqual([
      expect.objectContaining({
        message: 'Internal server error',
        extensions: expect.objectContaining({ code: 'INTERNAL_SERVER_ERROR' }),
      }),
    ]);
    expect(JSON.stringify(failed)).not.toMatch(/_gone|relation|SELECT/);
  }
  const logged = lines
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.msg === 'subscription error');
  expect(logged.map((entry) => entry.err.message)).toEqual([
    expect.stringMatching(/relation "change_log" does not exist/),
    expect.stringMatching(/relation "measure" does not exist/),
  ]);
  await disposeClients();
});

test('a pool kept busy past the connect timeout is 503 for that request, not a database outage', async () => {
  // A pool of one also shows that start-up (migrations under the schema lock) needs no second.
  const server = await startTestServer({ dbPoolSize: 1, dbConnectTimeoutMs: 300 });
  // Hold the connection, as a long request would.
  const held = [server.app.dataSource.createQueryRunner()];
  for (const runner of held) await runner.connect();
  try {
    const response = await server.gql('{ measures { totalCount } }');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: 'The server is busy; try again shortly.',
        extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' }),
      }),
    ]);
  } finally {
    for (const runner of held) await runner.release();
  }
  // The database was never down: the next request is served, and the instance stays ready.
  const next = await server.gql('{ measures { totalCount } }');
  expect(next.errors).toBeUndefined();
  expect((await fetch(`${server.origin}/readyz`)).status).toBe(200);
});

test('a persisted-query mistake by the client is not INTERNAL_SERVER_ERROR with an unmasked, unlogged message', async () => {
  const { logger, lines } = capturingLogger();
  const server = await startTestServer({ nodeEnv: 'production' }, undefined, logger);
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: '{ __typename }',
      extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } },
    }),
  });
  const body = (await response.json()) as { errors: { message: string; extensions: any }[] };
  const [error] = body.errors;
  // Automatic persisted queries are off: a clear code, not an uncoded (internal) error.
  expect(error!.extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
  expect(lines.some((line) => line.includes('internal error'))).toBe(false);
});
