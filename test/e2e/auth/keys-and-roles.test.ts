import { createHash } from 'node:crypto';
import { Role } from '../../../src/auth/role';
import { encodeGlobalId } from '../../../src/common/global-id';
import { insertMeasure } from '../../helpers/fixtures';
import { ensureBuilt, runCli } from '../../helpers/processes';
import { startTestServer, stopAllServers, type TestServer } from '../../helpers/server';

let server: TestServer;
let admin: string;
let editor: string;
let measureId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key: admin } = await server.createKey(Role.ADMIN, 'Admin'));
  ({ key: editor } = await server.createKey(Role.EDITOR, 'Editor'));
  measureId = (
    await insertMeasure(server.db, { title: 'M', imposedBy: 'GB', announcedOn: '2024-01-01' })
  ).globalId;
});
afterAll(stopAllServers);

const SOURCE = '{ title: "S" }';
const DATA_MUTATIONS: Record<string, () => string> = {
  addMeasure: () =>
    `mutation { addMeasure(input: { kind: OTHER, title: "T", imposedBy: "GB", announcedOn: "2024-01-01", sources: [${SOURCE}] }) { id } }`,
  updateMeasure: () =>
    `mutation { updateMeasure(id: "${measureId}", input: { title: "New" }) { id } }`,
  liftMeasure: () => `mutation { liftMeasure(id: "${measureId}", liftedOn: "2024-02-01") { id } }`,
  addOfficial: () =>
    'mutation { addOfficial(input: { name: "N", country: "GB", category: OTHER }) { id } }',
  addStatement: () =>
    `mutation { addStatement(input: { issuedOn: "2024-01-01", country: "GB", issuer: "I", text: "T", sources: [${SOURCE}] }) { id } }`,
};
const ADMIN_OPERATIONS: Record<string, () => string> = {
  createApiKey: () => 'mutation { createApiKey(name: "K", role: EDITOR) { key } }',
  revokeApiKey: () => `mutation { revokeApiKey(id: "${encodeGlobalId('ApiKey', 999999)}") { id } }`,
  apiKeys: () => '{ apiKeys { id } }',
};
const ALL = { ...DATA_MUTATIONS, ...ADMIN_OPERATIONS };

async function changeCount(): Promise<number> {
  const [row] = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM change_log');
  return row!.n;
}

describe('without a key', () => {
  test('reading is public', async () => {
    const response = await server.gql('{ country(code: "JP") { name } }');
    expect(response.data).toEqual({ country: { name: 'Japan' } });
  });

  test.each(Object.keys(ALL))('%s is UNAUTHENTICATED and writes nothing', async (name) => {
    const before = await changeCount();
    const response = await server.gql(ALL[name]!());
    expect(response.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(await changeCount()).toBe(before);
  });
});

describe('a bad key is refused, never treated as anonymous', () => {
  test.each([
    ['an unknown key', `Bearer rtsn_0123456789abcdef_${'A'.repeat(43)}`],
    ['a malformed key', 'Bearer not-a-key'],
    ['another scheme', `Basic ${Buffer.from('user:pass').toString('base64')}`],
    ['a right lookup with a wrong secret', () => `Bearer ${editor.slice(0, 22)}${'B'.repeat(43)}`],
  ])('%s: 401 UNAUTHENTICATED even for a read', async (_, header) => {
    const authorization = typeof header === 'function' ? header() : header;
    const response = await server.gql('{ country(code: "JP") { name } }', {}, { authorization });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(response.data).toBeUndefined();
  });

  test.each(Object.keys(ALL))('a revoked key cannot %s', async (name) => {
    const { key, id } = await server.createKey(Role.ADMIN, 'Soon revoked');
    const revoked = await server.gqlAs(
      admin,
      `mutation { revokeApiKey(id: "${id}") { revokedAt } }`,
    );
    expect(revoked.data.revokeApiKey.revokedAt).toEqual(expect.any(String));
    const before = await changeCount();
    const response = await server.gqlAs(key, ALL[name]!());
    expect(response.status).toBe(401);
    expect(response.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(response.errors![0]!.message).toMatch(/revoked/);
    expect(await changeCount()).toBe(before);
  });
});

describe('roles', () => {
  test.each(Object.keys(ADMIN_OPERATIONS))('an editor calling %s is FORBIDDEN', async (name) => {
    const response = await server.gqlAs(editor, ADMIN_OPERATIONS[name]!());
    expect(response.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  test.each(Object.keys(DATA_MUTATIONS))('an editor and an admin may %s', async (name) => {
    for (const key of [editor, admin]) {
      if (name === 'liftMeasure') {
        await server.db.query(`UPDATE measure SET status = 'IN_FORCE', lifted_on = NULL`);
      }
      const response = await server.gqlAs(key, DATA_MUTATIONS[name]!());
      expect(response.errors).toBeUndefined();
    }
  });
});

describe('key management through the API', () => {
  test('an admin creates a key that works at once, lists it without its secret, revokes it', async () => {
    const created = await server.gqlAs(
      admin,
      'mutation { createApiKey(name: "Research team", role: EDITOR) { key apiKey { id name role createdAt lastUsedAt revokedAt } } }',
    );
    const { key, apiKey } = created.data.createApiKey;
    expect(key).toMatch(/^rtsn_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({
      name: 'Research team',
      role: 'EDITOR',
      lastUsedAt: null,
      revokedAt: null,
    });

    const used = await server.gqlAs(key, DATA_MUTATIONS.addOfficial!());
    expect(used.errors).toBeUndefined();

    const listed = await server.gqlAs(admin, '{ apiKeys { id name role lastUsedAt revokedAt } }');
    const entry = listed.data.apiKeys.find((k: { id: string }) => k.id === apiKey.id);
    expect(entry).toMatchObject({ name: 'Research team', role: 'EDITOR', revokedAt: null });
    expect(entry.lastUsedAt).toEqual(expect.any(String));
    // The secret follows "rtsn_", 16 hex characters and "_"; it may itself hold "_".
    expect(JSON.stringify(listed.data)).not.toContain(key.slice('rtsn_'.length + 17));

    const node = await server.gqlAs(
      admin,
      `{ node(id: "${apiKey.id}") { ... on ApiKey { name } } }`,
    );
    expect(node.data.node).toEqual({ name: 'Research team' });
    const hidden = await server.gqlAs(editor, `{ node(id: "${apiKey.id}") { id } }`);
    expect(hidden.data.node).toBeNull();

    await server.gqlAs(admin, `mutation { revokeApiKey(id: "${apiKey.id}") { id } }`);
    const refused = await server.gqlAs(key, DATA_MUTATIONS.addOfficial!());
    expect(refused.status).toBe(401);
  });

  test('keys are stored only as a SHA-256 of their secret', async () => {
    const { key } = await server.createKey(Role.EDITOR, 'Hashed');
    const [, lookup, secret] = /^rtsn_([0-9a-f]{16})_(.+)$/.exec(key)!;
    const rows = await server.db.query<Record<string, unknown>>(
      `SELECT * FROM api_key WHERE lookup = $1`,
      [lookup],
    );
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(
      (rows[0]!.secret_hash as Buffer).equals(createHash('sha256').update(secret!).digest()),
    ).toBe(true);
  });

  test('revoking an unknown key is NOT_FOUND', async () => {
    const response = await server.gqlAs(admin, ADMIN_OPERATIONS.revokeApiKey!());
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  });
});

describe('mutations over GET', () => {
  test('are refused and not executed, with or without a key', async () => {
    const before = await changeCount();
    const query = encodeURIComponent(DATA_MUTATIONS.addOfficial!());
    for (const headers of [{}, { authorization: `Bearer ${editor}` }] as Record<string, string>[]) {
      const response = await fetch(`${server.url}?query=${query}`, { headers });
      expect(response.status).toBe(405);
      await response.body?.cancel();
    }
    expect(await changeCount()).toBe(before);
  });
});

describe('the apikey command-line tool against DATABASE_URL', () => {
  beforeAll(() => ensureBuilt(), 60_000);

  test('create → use → list → revoke → refused', async () => {
    const env = { DATABASE_URL: server.db.url };
    const created = await runCli('apikey', ['create', '--role', 'admin', '--name', 'Ops'], env);
    expect(created.code).toBe(0);
    const key = /(rtsn_\S+)/.exec(created.stdout)![1]!;
    const id = /\(id (\S+)\)/.exec(created.stdout)![1]!;
    expect((await server.gqlAs(key, '{ apiKeys { name } }')).data.apiKeys).toContainEqual({
      name: 'Ops',
    });
    const listed = await runCli('apikey', ['list'], env);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+ADMIN\\s+active`));
    expect((await runCli('apikey', ['revoke', id], env)).code).toBe(0);
    expect((await server.gqlAs(key, '{ apiKeys { name } }')).status).toBe(401);
    expect((await runCli('apikey', ['list'], env)).stdout).toMatch(
      new RegExp(`${id}\\s+ADMIN\\s+revoked`),
    );
  }, 30_000);
});
