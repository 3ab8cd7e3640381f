/**
 * The API contract (docs/api.md) as standard clients meet it: every mutation answers with the
 * written object and its links, the contract's error codes with their fields, urql- and
 * Apollo-style HTTP, the media type chosen by Accept alike for every refusal, and graphql-ws
 * clients (lazy, ping/pong, retries).
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Role } from '../../src/auth/role';
import { encodeGlobalId } from '../../src/common/global-id';
import { ok } from '../helpers/assertions';
import { cleanUp } from '../helpers/cleanup';
import {
  addMeasureAs,
  insertOfficial,
  insertStatement,
  measureInput,
  statementInput,
} from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';
import { waitUntil } from '../helpers/wait';
import { connect, disposeClients, nextMessage, rawSocket } from '../helpers/ws';

let server: TestServer;
let editor: string;
let admin: string;

beforeAll(async () => {
  server = await startTestServer({ livePollMs: 200 });
  ({ key: editor } = await server.createKey(Role.EDITOR, 'review editor'));
  ({ key: admin } = await server.createKey(Role.ADMIN, 'review admin'));
});
afterEach(disposeClients);
afterAll(cleanUp);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const LINKS = `id status liftedOn targetCount
  targets { totalCount edges { node { id name country { code } } } }
  statements { id } sources { title url publisher publishedOn }
  inResponseTo { id responses { id } } responses { id }`;

const ADD = `mutation($input: AddMeasureInput!) { addMeasure(input: $input) { ${LINKS} } }`;

const addMeasureId = (overrides: Record<string, unknown> = {}) =>
  addMeasureAs(server, editor, overrides);

async function post(
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; json: any }> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    json: await response.json(),
  };
}

describe('mutations answer with the written object and all its links', () => {
  test('addMeasure: targets, statements, sources, inResponseTo (and its responses) at once', async () => {
    const answered = await addMeasureId({ imposedBy: 'JP' });
    const official = await insertOfficial(server.db, { name: 'Review Person', country: 'JP' });
    const statement = await insertStatement(server.db, { country: 'RU', issuedOn: '2024-03-01' });
    const { addMeasure } = ok(
      await server.gqlAs(editor, ADD, {
        input: measureInput({
          kind: 'ENTRY_BAN',
          imposedBy: 'RU',
          targetCountry: 'JP',
          targetOfficialIds: [official.globalId],
          newTargets: [{ name: 'New Person', country: 'jp', category: 'JOURNALIST' }],
          statementIds: [statement.globalId],
          inResponseToId: answered,
          sources: [{ title: 'MFA', url: 'https://example.org/a', publisher: 'MFA' }],
        }),
      }),
    );
    expect(addMeasure.status).toBe('IN_FORCE');
    expect(addMeasure.targetCount).toBe(2);
    expect(addMeasure.targets.totalCount).toBe(2);
    expect(addMeasure.targets.edges.map((e: any) => e.node.name)).toEqual([
      'Review Person',
      'New Person',
    ]);
    expect(addMeasure.statements).toEqual([{ id: statement.globalId }]);
    expect(addMeasure.sources).toEqual([
      { title: 'MFA', url: 'https://example.org/a', publisher: 'MFA', publishedOn: null },
    ]);
    expect(addMeasure.inResponseTo.id).toBe(answered);
    expect(addMeasure.inResponseTo.responses).toEqual([{ id: addMeasure.id }]);
    expect(addMeasure.responses).toEqual([]);
  });

  test('updateMeasure and liftMeasure answer with their new links', async () => {
    const first = await addMeasureId();
    const second = await addMeasureId();
    const statement = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-03-02' });
    const updated = ok(
      await server.gqlAs(
        editor,
        `mutation($id: ID!, $input: UpdateMeasureInput!) { updateMeasure(id: $id, input: $input) { ${LINKS} } }`,
        { id: second, input: { inResponseToId: first, statementIds: [statement.globalId] } },
      ),
    ).updateMeasure;
    expect(updated.inResponseTo).toEqual({ id: first, responses: [{ id: second }] });
    expect(updated.statements).toEqual([{ id: statement.globalId }]);

    const lifting = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-04-01' });
    const lifted = ok(
      await server.gqlAs(
        editor,
        `mutation($id: ID!, $s: ID) { liftMeasure(id: $id, liftedOn: "2024-04-01", statementId: $s) { ${LINKS} } }`,
        { id: second, s: lifting.globalId },
      ),
    ).liftMeasure;
    expect(lifted.status).toBe('LIFTED');
    expect(lifted.liftedOn).toBe('2024-04-01');
    expect(lifted.statements.map((s: any) => s.id).sort()).toEqual(
      [statement.globalId, lifting.globalId].sort(),
    );
  });

  test('addStatement and addOfficial answer with their links', async () => {
    const measure = await addMeasureId();
    const speaker = await insertOfficial(server.db, { name: 'Speaker', country: 'GB' });
    const { addStatement } = ok(
      await server.gqlAs(
        editor,
        `mutation($input: AddStatementInput!) { addStatement(input: $input) {
          id country { code } speaker { id statements { totalCount edges { node { id } } } }
          measures { id statements { id } } sources { title url } quotes } }`,
        {
          input: statementInput('gb', {
            speakerId: speaker.globalId,
            measureIds: [measure],
            quotes: ['q'],
            sources: [{ title: 'T', url: 'https://example.org/t' }],
          }),
        },
      ),
    );
    expect(addStatement.country.code).toBe('GB');
    expect(addStatement.speaker.statements.edges.map((e: any) => e.node.id)).toEqual([
      addStatement.id,
    ]);
    expect(addStatement.measures).toEqual([{ id: measure, statements: [{ id: addStatement.id }] }]);

    const { addOfficial } = ok(
      await server.gqlAs(
        editor,
        `mutation($input: AddOfficialInput!) { addOfficial(input: $input) {
          id aliases country { code } measures { totalCount } statements { totalCount } } }`,
        { input: { name: 'Fresh', country: 'fr', category: 'OTHER' } },
      ),
    );
    expect(addOfficial).toMatchObject({
      aliases: [],
      country: { code: 'FR' },
      measures: { totalCount: 0 },
      statements: { totalCount: 0 },
    });
  });

  test('createApiKey and revokeApiKey answer with the key record', async () => {
    const { createApiKey } = ok(
      await server.gqlAs(
        admin,
        `mutation { createApiKey(name: "Tmp", role: EDITOR) { key apiKey { id name role createdAt lastUsedAt revokedAt } } }`,
      ),
    );
    expect(createApiKey.apiKey).toMatchObject({ name: 'Tmp', role: 'EDITOR', revokedAt: null });
    const { revokeApiKey } = ok(
      await server.gqlAs(admin, `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, {
        id: createApiKey.apiKey.id,
      }),
    );
    expect(revokeApiKey.revokedAt).not.toBeNull();
  });
});

describe('error codes of the contract', () => {
  test('UNAUTHENTICATED without a key, FORBIDDEN for an editor on admin fields', async () => {
    const anon = await server.gql(ADD, { input: measureInput() });
    expect(anon.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const forbidden = await server.gqlAs(
      editor,
      `mutation { createApiKey(name: "x", role: ADMIN) { key } }`,
    );
    expect(forbidden.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const list = await server.gqlAs(editor, `{ apiKeys { id } }`);
    expect(list.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  test('CONFLICT on a second lift', async () => {
    const id = await addMeasureId();
    const lift = `mutation($id: ID!) { liftMeasure(id: $id, liftedOn: "2024-05-01") { id } }`;
    ok(await server.gqlAs(editor, lift, { id }));
    const again = await server.gqlAs(editor, lift, { id });
    expect(again.errors![0]!.extensions!.code).toBe('CONFLICT');
  });

  test('QUERY_TOO_COMPLEX for a deep query', async () => {
    const deep = `{ measures { edges { node { inResponseTo { inResponseTo { inResponseTo { inResponseTo { inResponseTo { inResponseTo { inResponseTo { inResponseTo { inResponseTo { inResponseTo { inResponseTo { inResponseTo { inResponseTo { id } } } } } } } } } } } } } } } } }`;
    const response = await server.gql(deep);
    expect(response.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
  });

  test('BAD_USER_INPUT names the field: first over 100, bad cursor, bad enum variable, bad date literal', async () => {
    const tooMany = await server.gql('{ measures(first: 101) { totalCount } }');
    expect(tooMany.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    const cursor = await server.gql('{ measures(after: "nonsense") { totalCount } }');
    expect(cursor.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const enumVar = await server.gqlAs(editor, ADD, { input: measureInput({ kind: 'NOPE' }) });
    expect(enumVar.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.kind',
    });
    const date = await server.gql(
      '{ measures(filter: { announcedFrom: "2024-13-01" }) { totalCount } }',
    );
    expect(date.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'filter.announcedFrom',
    });
    const malformed = await server.gql('{ node(id: "!!") { id } }');
    expect(malformed.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  test('well-formed IDs of nothing: null from queries', async () => {
    const missing = encodeGlobalId('Measure', 999999);
    const data = ok(
      await server.gql(
        `{ node(id: "${missing}") { id } measure(id: "${missing}") { id }
           official(id: "${encodeGlobalId('Official', 999999)}") { id }
           statement(id: "${encodeGlobalId('Statement', 999999)}") { id }
           nodes(ids: ["${missing}"]) { id } country(code: "zz") { code } }`,
      ),
    );
    expect(data).toEqual({
      node: null,
      measure: null,
      official: null,
      statement: null,
      nodes: [null],
      country: null,
    });
  });

  test('well-formed IDs of nothing as mutation arguments: NOT_FOUND (updateMeasure, liftMeasure)', async () => {
    const missing = encodeGlobalId('Measure', 999999);
    const update = await server.gqlAs(
      editor,
      `mutation($id: ID!) { updateMeasure(id: $id, input: { title: "x" }) { id } }`,
      { id: missing },
    );
    expect(update.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    const lift = await server.gqlAs(
      editor,
      `mutation($id: ID!) { liftMeasure(id: $id, liftedOn: "2024-01-01") { id } }`,
      { id: missing },
    );
    expect(lift.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  });
});

describe('standard HTTP clients', () => {
  test('urql-style GET without extra headers is answered', async () => {
    const response = await fetch(
      `${server.url}?query=${encodeURIComponent('{ country(code: "jp") { code name } }')}`,
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).data.country.code).toBe('JP');
  });

  test('urql GET with its Accept header, operationName, variables and extensions', async () => {
    const query = 'query C($c: String!) { country(code: $c) { code } }';
    const params = new URLSearchParams({
      query,
      operationName: 'C',
      variables: JSON.stringify({ c: 'ru' }),
      extensions: '{}',
    });
    const response = await fetch(`${server.url}?${params}`, {
      headers: {
        accept:
          'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed',
      },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).data.country.code).toBe('RU');
  });

  test('a mutation over GET is not executed', async () => {
    const before = ok(await server.gql('{ measures { totalCount } }')).measures.totalCount;
    const mutation = `mutation { addMeasure(input: { kind: OTHER, title: "GET", imposedBy: "GB", announcedOn: "2024-01-01", sources: [{ title: "s" }] }) { id } }`;
    const response = await fetch(`${server.url}?query=${encodeURIComponent(mutation)}`, {
      headers: { authorization: `Bearer ${editor}` },
    });
    expect(response.status).toBe(405);
    const after = ok(await server.gql('{ measures { totalCount } }')).measures.totalCount;
    expect(after).toBe(before);
  });

  test('Apollo Client style POST works', async () => {
    const response = await post(
      {
        operationName: 'Q',
        query: 'query Q { countries(first: 2) { totalCount } }',
        variables: {},
      },
      { accept: 'application/graphql-response+json,application/json;q=0.9' },
    );
    expect(response.status).toBe(200);
    expect(response.json.data.countries.totalCount).toBe(249);
  });

  const failures: [string, unknown][] = [
    ['parse error', { query: '{ countries { ' }],
    ['validation error', { query: '{ countries { nope } }' }],
    [
      'variable coercion error',
      { query: 'query($n: Int) { countries(first: $n) { totalCount } }', variables: { n: 'x' } },
    ],
  ];
  for (const [what, body] of failures) {
    test(`${what}: 400 with application/graphql-response+json, 200 with application/json`, async () => {
      const modern = await post(body, { accept: 'application/graphql-response+json' });
      expect(modern.status).toBe(400);
      expect(modern.type).toMatch(/^application\/graphql-response\+json/);
      expect(modern.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const legacy = await post(body, { accept: 'application/json' });
      expect(legacy.status).toBe(200);
      expect(legacy.type).toMatch(/^application\/json/);
      const none = await post(body);
      expect(none.status).toBe(200);
    });
  }

  test('the same Accept header gets the same media type for a parse error as for a validation error', async () => {
    const accept = 'application/json, application/graphql-response+json';
    const parse = await post({ query: '{ countries { ' }, { accept });
    const validation = await post({ query: '{ countries { nope } }' }, { accept });
    expect(parse.type?.split(';')[0]).toBe(validation.type?.split(';')[0]);
    expect(parse.status).toBe(validation.status);
  });
});

describe('standard graphql-ws clients', () => {
  const wsUrl = () => server.url.replace(/^http/, 'ws');

  test('lazy client: subscribe, receive, client-initiated complete, then no more events', async () => {
    let closed = false;
    const client = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      lazy: true,
      lazyCloseTimeout: 0,
      retryAttempts: 0,
      on: { closed: () => (closed = true) },
    });
    const events: any[] = [];
    let completed = false;
    const unsubscribe = client.subscribe(
      { query: 'subscription { measureAdded(filter: { imposedBy: ["NZ"] }) { id title } }' },
      { next: (v) => events.push(v), error: () => undefined, complete: () => (completed = true) },
    );
    await sleep(500);
    const id = await addMeasureId({ imposedBy: 'NZ' });
    for (let i = 0; i < 50 && events.length === 0; i++) await sleep(100);
    expect(events.map((e) => e.data.measureAdded.id)).toEqual([id]);
    unsubscribe();
    await addMeasureId({ imposedBy: 'NZ' });
    await sleep(800);
    expect(events).toHaveLength(1);
    expect(completed).toBe(true);
    expect(closed).toBe(true); // lazy: the socket closes with the last subscription
    await client.dispose();
  });

  test('protocol ping gets a pong; client keepAlive pings are answered', async () => {
    const socket = await rawSocket(server.url);
    socket.send(JSON.stringify({ type: 'connection_init' }));
    expect((await nextMessage(socket)).type).toBe('connection_ack');
    socket.send(JSON.stringify({ type: 'ping' }));
    expect((await nextMessage(socket)).type).toBe('pong');
    socket.close();

    let pongs = 0;
    const client = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      lazy: false,
      keepAlive: 200,
      retryAttempts: 0,
      onNonLazyError: () => undefined,
      on: { pong: () => (pongs += 1) },
    });
    await sleep(900);
    expect(pongs).toBeGreaterThanOrEqual(2);
    await client.dispose();
  });

  test('client retries after the server goes away and its subscription resumes on the new server', async () => {
    const first = await startTestServer({ livePollMs: 200 }, server.db);
    const port = first.app.server.port;
    const url = first.url.replace(/^http/, 'ws');
    let connects = 0;
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 20,
      retryWait: async () => void (await sleep(200)),
      shouldRetry: () => true,
      on: { connected: () => (connects += 1) },
    });
    const events: any[] = [];
    let failed: unknown;
    const unsubscribe = client.subscribe(
      { query: 'subscription { measureAdded(filter: { imposedBy: ["IS"] }) { id } }' },
      { next: (v) => events.push(v), error: (e) => (failed = e), complete: () => undefined },
    );
    for (let i = 0; i < 50 && connects === 0; i++) await sleep(50);
    await first.stop();
    const second = await startTestServer({ livePollMs: 200, port }, server.db);
    for (let i = 0; i < 100 && connects < 2; i++) await sleep(50);
    expect(failed).toBeUndefined();
    expect(connects).toBe(2);
    await sleep(500);
    const added = await addMeasureAs(second, editor, { title: 'after restart', imposedBy: 'IS' });
    for (let i = 0; i < 50 && events.length === 0; i++) await sleep(100);
    expect(events.map((e) => e.data.measureAdded.id)).toEqual([added]);
    unsubscribe();
    await client.dispose();
    await second.stop();
  });

  test('the server sends WebSocket keep-alive pings', async () => {
    const socket = await rawSocket(server.url);
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await nextMessage(socket);
    let pings = 0;
    socket.on('ping', () => (pings += 1));
    // The first comes after the server's interval (12 s); a loaded machine may fire it later.
    await waitUntil('a keep-alive ping', () => pings >= 1, 50_000);
    expect(pings).toBeGreaterThanOrEqual(1);
    socket.close();
  }, 60_000);
});

describe('more error shapes', () => {
  test('an unknown field in an input literal is BAD_USER_INPUT naming it', async () => {
    const response = await server.gqlAs(
      editor,
      `mutation { addMeasure(input: { kind: OTHER, title: "t", imposedBy: "GB", announcedOn: "2024-01-01", sources: [{ title: "s" }], bogus: 1 }) { id } }`,
    );
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.bogus',
    });
  });

  test('an unknown field in an input variable is BAD_USER_INPUT naming it', async () => {
    const response = await server.gqlAs(editor, ADD, { input: measureInput({ bogus: 1 }) });
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.bogus',
    });
  });

  test('first: -1, last: 101 and a missing required variable name their field', async () => {
    const negative = await server.gql('{ countries(first: -1) { totalCount } }');
    expect(negative.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    const last = await server.gql('{ countries(last: 101) { totalCount } }');
    expect(last.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'last' });
    const nested = await server.gql(
      '{ country(code: "JP") { officials(first: 101) { totalCount } } }',
    );
    expect(nested.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    const required = await server.gql('query($id: ID!) { measure(id: $id) { id } }', {});
    expect(required.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const noSources = await server.gqlAs(editor, ADD, { input: measureInput({ sources: [] }) });
    expect(noSources.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.sources',
    });
  });

  test('subscription over HTTP is BAD_USER_INPUT', async () => {
    const response = await server.gql('subscription { measureAdded { id } }');
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('graphql-ws errors and events', () => {
  test('a bad filter value over graphql-ws is BAD_USER_INPUT naming the field', async () => {
    const { subscribe } = connect(server.url);
    const sub = subscribe('subscription { measureAdded(filter: { imposedBy: ["ZZ"] }) { id } }');
    await sub.ended();
    const error = sub.events[0]?.errors?.[0] ?? (sub.failed as any)?.[0];
    expect(error?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'filter.imposedBy[0]',
    });
  });

  test('first over 100 in a subscription selection is BAD_USER_INPUT naming first', async () => {
    const { subscribe } = connect(server.url);
    const sub = subscribe('subscription { measureAdded { targets(first: 101) { totalCount } } }');
    await sub.ended();
    const error = sub.events[0]?.errors?.[0] ?? (sub.failed as any)?.[0];
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  test('a malformed since is BAD_USER_INPUT naming since', async () => {
    const { subscribe } = connect(server.url);
    const sub = subscribe('subscription { measureAdded(since: "!!") { id } }');
    await sub.ended();
    const error = sub.events[0]?.errors?.[0] ?? (sub.failed as any)?.[0];
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'since' });
  });

  test('measureAdded events carry all links', async () => {
    const { subscribe } = connect(server.url);
    const sub = subscribe(
      `subscription { measureAdded(filter: { imposedBy: ["MT"] }) { ${LINKS} } }`,
    );
    await sleep(500);
    const answered = await addMeasureId({ imposedBy: 'GB' });
    const statement = await insertStatement(server.db, { country: 'MT', issuedOn: '2024-03-01' });
    const id = await addMeasureId({
      imposedBy: 'MT',
      inResponseToId: answered,
      statementIds: [statement.globalId],
      newTargets: [{ name: 'Malta Target', country: 'RU', category: 'OTHER' }],
    });
    const [event] = await sub.waitFor(1);
    expect(event!.errors).toBeUndefined();
    const m = event!.data.measureAdded;
    expect(m.id).toBe(id);
    expect(m.targets.edges.map((e: any) => e.node.name)).toEqual(['Malta Target']);
    expect(m.statements).toEqual([{ id: statement.globalId }]);
    expect(m.inResponseTo).toEqual({ id: answered, responses: [{ id }] });
    expect(m.sources).toHaveLength(1);
  });
});

describe('HTTP status and field for pre-execution errors', () => {
  const cases: [string, string][] = [
    ['unknown argument', '{ measures(bogus: 1) { totalCount } }'],
    [
      'cost over the limit',
      '{ countries(first: 100) { edges { node { officials(first: 100) { edges { node { measures(first: 100) { edges { node { targets(first: 100) { totalCount } } } } } } } } } } }',
    ],
  ];
  for (const [what, query] of cases) {
    test(`${what}: 400 / 200 by Accept, with its field`, async () => {
      const modern = await post({ query }, { accept: 'application/graphql-response+json' });
      const legacy = await post({ query }, { accept: 'application/json' });
      expect(modern.status).toBe(400);
      expect(legacy.status).toBe(200);
      if (what === 'unknown argument') {
        expect(modern.json.errors[0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: 'bogus',
        });
      }
    });
  }
});
