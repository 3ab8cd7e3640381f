import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Role } from '../../../src/auth/role';
import { decodeIntId, encodeGlobalId } from '../../../src/common/global-id';
import { cleanUp } from '../../helpers/cleanup';
import { insertMeasure } from '../../helpers/fixtures';
import { ensureBuilt, runCli } from '../../helpers/processes';
import { ok } from '../../helpers/assertions';
import { startTestServer, type TestServer } from '../../helpers/server';
import { ADD_OFFICIAL, codeOf, lastSeq, refused, rowCounts } from '../../helpers/writes';

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
afterAll(cleanUp);

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
  beforeAll(() => ensureBuilt(), 120_000);

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
  }, 120_000);

  test('usage errors exit 64 like the others; an out-of-range id is not a raw SQL error', async () => {
    const env = { DATABASE_URL: server.db.url };
    // A misspelt option is a usage error like a missing one (which exits 64), not a crash (1).
    const misspelt = await runCli('apikey', ['create', '--rol', 'editor', '--name', 'X'], env);
    const missing = await runCli('apikey', ['create', '--role', 'editor'], env);
    expect(missing.code).toBe(64);
    expect(misspelt.code).toBe(missing.code);
    // The API refuses this id as "not a valid ID"; so does the CLI, before reaching PostgreSQL.
    const huge = await runCli('apikey', ['revoke', '99999999999'], env);
    expect(huge.code).toBe(64);
    expect(huge.stderr).not.toMatch(/out of range for type integer/);
  }, 120_000);
});

describe('keys managed through the API, against the rows', () => {
  // A server of its own: apiKeys must list exactly the keys made here.
  let server: TestServer;
  let editor: string;
  let admin: string;
  const counts = () => rowCounts(server.db);
  const long = (n: number) => 'x'.repeat(n);
  const CREATE_KEY = `mutation($name: String!, $role: Role!) { createApiKey(name: $name, role: $role) {
  key apiKey { id name role createdAt lastUsedAt revokedAt } } }`;

  beforeAll(async () => {
    server = await startTestServer();
    ({ key: editor } = await server.createKey(Role.EDITOR, 'Rules editor'));
    ({ key: admin } = await server.createKey(Role.ADMIN, 'Rules admin'));
  });

  describe('createApiKey names (admin)', () => {
    test.each([
      ['', /empty/],
      ['   ', /empty/],
      [long(201), /at most 200/],
      ['Bell\u0007', /control/],
      ['Line\nbreak', /one line/],
      ['Nul\u0000', /control/],
      ['Lone \udc00', /Unicode/],
    ])('%#: %j is BAD_USER_INPUT naming name, and no key is made', async (name, message) => {
      const before = await counts();
      const response = await server.gqlAs(admin, CREATE_KEY, { name, role: 'EDITOR' });
      expect(refused(response, 'BAD_USER_INPUT', 'name').message).toMatch(message);
      expect(JSON.stringify(response)).not.toMatch(/rtsn_/);
      expect(await counts()).toEqual(before);
    });

    test('a 200-character name is accepted', async () => {
      const name = long(200);
      const { createApiKey } = ok(await server.gqlAs(admin, CREATE_KEY, { name, role: 'EDITOR' }));
      expect(createApiKey.apiKey.name).toBe(name);
    });

    test('a created key works at once with its role and is listed by apiKeys', async () => {
      const before = await counts();
      const { createApiKey } = ok(
        await server.gqlAs(admin, CREATE_KEY, { name: '  Data desk  ', role: 'EDITOR' }),
      );
      const { key, apiKey } = createApiKey;
      expect(key).toMatch(/^rtsn_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(apiKey).toMatchObject({
        name: 'Data desk',
        role: 'EDITOR',
        lastUsedAt: null,
        revokedAt: null,
      });
      expect((await counts()).api_key - before.api_key).toBe(1);

      // It writes as an editor...
      const written = ok(
        await server.gqlAs(key, ADD_OFFICIAL, {
          input: { name: 'Written with a new key', country: 'FR', category: 'OTHER' },
        }),
      );
      const [log] = await server.db.query<{ api_key_id: number }>(
        `SELECT api_key_id FROM change_log WHERE entity = 'Official' AND entity_id = $1`,
        [decodeIntId(written.addOfficial.id, 'Official', 'id')],
      );
      expect(log!.api_key_id).toBe(decodeIntId(apiKey.id, 'ApiKey', 'id'));
      // ...but is no admin.
      refused(await server.gqlAs(key, '{ apiKeys { id } }'), 'FORBIDDEN');

      const listed = ok(
        await server.gqlAs(admin, '{ apiKeys { id name role createdAt lastUsedAt revokedAt } }'),
      ).apiKeys as { id: string; name: string; lastUsedAt: string | null }[];
      const entry = listed.find((k) => k.id === apiKey.id);
      expect(entry).toMatchObject({
        name: 'Data desk',
        role: 'EDITOR',
        createdAt: apiKey.createdAt,
        revokedAt: null,
      });
      expect(entry!.lastUsedAt).toEqual(expect.any(String));
      expect(listed.map((k) => k.name)).toEqual(
        expect.arrayContaining(['Rules editor', 'Rules admin', 'Data desk']),
      );
      // The secret follows "rtsn_", 16 hex characters and "_"; it may itself hold "_".
      expect(JSON.stringify(listed)).not.toContain(key.slice('rtsn_'.length + 17));

      // An ADMIN key made through the API can manage keys itself.
      const second = ok(
        await server.gqlAs(admin, CREATE_KEY, { name: 'Second admin', role: 'ADMIN' }),
      );
      const own = ok(await server.gqlAs(second.createApiKey.key, '{ apiKeys { id } }')).apiKeys;
      expect(own).toContainEqual({ id: second.createApiKey.apiKey.id });
    });
  });

  describe('an editor cannot manage keys', () => {
    test('createApiKey, revokeApiKey and apiKeys are FORBIDDEN and write nothing', async () => {
      const victim = await server.createKey(Role.ADMIN, 'Victim key');
      const before = await counts();
      const victimRow = async () =>
        (
          await server.db.query<{ revoked_at: Date | null }>(
            'SELECT revoked_at FROM api_key WHERE id = $1',
            [decodeIntId(victim.id, 'ApiKey', 'id')],
          )
        )[0];

      for (const role of ['EDITOR', 'ADMIN']) {
        const created = await server.gqlAs(editor, CREATE_KEY, { name: 'Escalation', role });
        refused(created, 'FORBIDDEN');
        expect(JSON.stringify(created)).not.toMatch(/rtsn_/);
      }
      refused(
        await server.gqlAs(
          editor,
          'mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }',
          {
            id: victim.id,
          },
        ),
        'FORBIDDEN',
      );
      const listed = await server.gqlAs(editor, '{ apiKeys { id name role } }');
      refused(listed, 'FORBIDDEN');
      expect(JSON.stringify(listed)).not.toContain('Victim key');

      expect(await counts()).toEqual(before);
      expect(await victimRow()).toEqual({ revoked_at: null });
      const [escalated] = await server.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM api_key WHERE name = 'Escalation'`,
      );
      expect(escalated!.n).toBe(0);
      // The key the editor tried to revoke still works.
      expect(ok(await server.gqlAs(victim.key, '{ apiKeys { id } }')).apiKeys).toContainEqual({
        id: victim.id,
      });
    });
  });
});

describe('revoked keys, concurrent revocation and the logs', () => {
  // A server of its own that logs everything, to look for keys in the log.
  let server: TestServer;
  let admin: string;
  let editor: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    server = await startTestServer({}, undefined, pino({ level: 'trace' }, stream));
    ({ key: admin } = await server.createKey(Role.ADMIN, 'Review3 admin'));
    ({ key: editor } = await server.createKey(Role.EDITOR, 'Review3 editor'));
  });

  describe('every mutation and operation', () => {
    const MUTATIONS = [
      'mutation { addOfficial(input: { name: "X", country: "GB", category: OTHER }) { id } }',
      'mutation { addMeasure(input: { kind: OTHER, title: "X", imposedBy: "GB", announcedOn: "2024-01-01", sources: [{ title: "S" }] }) { id } }',
      'mutation { addStatement(input: { issuedOn: "2024-01-01", country: "GB", issuer: "I", text: "T", sources: [{ title: "S" }] }) { id } }',
      `mutation { updateMeasure(id: "${encodeGlobalId('Measure', 1)}", input: { title: "Y" }) { id } }`,
      `mutation { liftMeasure(id: "${encodeGlobalId('Measure', 1)}", liftedOn: "2030-01-01") { id } }`,
      'mutation { createApiKey(name: "n", role: ADMIN) { key } }',
      `mutation { revokeApiKey(id: "${encodeGlobalId('ApiKey', 1)}") { id } }`,
    ];

    test('a revoked admin key is UNAUTHENTICATED for every mutation and writes nothing', async () => {
      const { key, id } = await server.createKey(Role.ADMIN, 'To revoke');
      ok(await server.gqlAs(admin, `mutation { revokeApiKey(id: "${id}") { revokedAt } }`));
      const seq = await lastSeq(server.db);
      for (const m of MUTATIONS) {
        const r = await server.gqlAs(key, m);
        expect({ m, code: codeOf(r) }).toEqual({ m, code: 'UNAUTHENTICATED' });
      }
      const q = await server.gqlAs(key, '{ apiKeys { id } }');
      expect(codeOf(q)).toBe('UNAUTHENTICATED');
      expect(await lastSeq(server.db)).toBe(seq);
    });

    test('an editor gets FORBIDDEN for createApiKey, revokeApiKey and apiKeys', async () => {
      for (const m of MUTATIONS.slice(5))
        expect(codeOf(await server.gqlAs(editor, m))).toBe('FORBIDDEN');
      expect(codeOf(await server.gqlAs(editor, '{ apiKeys { id } }'))).toBe('FORBIDDEN');
    });

    test('revoking a key while it is writing: every write either succeeds or is UNAUTHENTICATED', async () => {
      const unexpected: string[] = [];
      for (let round = 0; round < 4; round++) {
        const { key, id } = await server.createKey(Role.EDITOR, `Busy ${round}`);
        let stop = false;
        const worker = async (w: number) => {
          for (let i = 0; !stop && i < 200; i++) {
            const r = await server.gqlAs(key, ADD_OFFICIAL, {
              input: { name: `Busy ${round}-${w}-${i}`, country: 'GB', category: 'OTHER' },
            });
            const code = codeOf(r);
            if (code === 'UNAUTHENTICATED') return;
            if (code !== 'OK') unexpected.push(`write: ${JSON.stringify(r.errors)}`);
          }
        };
        const workers = Array.from({ length: 6 }, (_, w) => worker(w));
        await new Promise((r) => setTimeout(r, 150));
        const revoke = await server.gqlAs(
          admin,
          `mutation { revokeApiKey(id: "${id}") { revokedAt } }`,
        );
        if (revoke.errors) unexpected.push(`revoke: ${JSON.stringify(revoke.errors)}`);
        stop = true;
        await Promise.all(workers);
      }
      expect(unexpected).toEqual([]);
    }, 60_000);

    test('keys never appear in the logs', async () => {
      const created = ok(
        await server.gqlAs(
          admin,
          'mutation { createApiKey(name: "Logged?", role: EDITOR) { key } }',
        ),
      );
      const key: string = created.createApiKey.key;
      ok(
        await server.gqlAs(key, ADD_OFFICIAL, {
          input: { name: 'Log probe', country: 'GB', category: 'OTHER' },
        }),
      );
      await server.gqlAs(`${key.slice(0, -2)}zz`, '{ countries(first: 1) { totalCount } }');
      const secrets = [key, editor, admin].map((k) => k.split('_').at(-1)!);
      for (const line of logLines) for (const s of secrets) expect(line.includes(s)).toBe(false);
    });
  });
});
