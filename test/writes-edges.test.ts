/**
 * Writes at their edges: validation of an update against the stored record it merges with,
 * unknown ids named at their own index, cycles and concurrent inResponseTo edits (which once
 * deadlocked), exactly-once with differing content, atomicity, the audit of every write kind,
 * and a key revoked while it is writing.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { Role } from '../src/auth/role';
import { encodeGlobalId } from '../src/common/global-id';
import { ok, rowCount } from './helpers/assertions';
import {
  ADD_STATEMENT,
  insertOfficial,
  insertStatement,
  measureInput,
  statementInput,
} from './helpers/fixtures';
import { startTestServer, stopAllServers, type TestServer } from './helpers/server';

let server: TestServer;
let admin: string;
let adminId: string;
let editor: string;
let editorId: string;
const logLines: string[] = [];

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  server = await startTestServer({}, undefined, pino({ level: 'trace' }, stream));
  ({ key: admin, id: adminId } = await server.createKey(Role.ADMIN, 'Review3 admin'));
  ({ key: editor, id: editorId } = await server.createKey(Role.EDITOR, 'Review3 editor'));
});
afterAll(stopAllServers);

const ADD =
  'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id status expiresOn effectiveFrom indefinite targetCount } }';
const UPDATE =
  'mutation($id: ID!, $input: UpdateMeasureInput!) { updateMeasure(id: $id, input: $input) { id inResponseTo { id } } }';
const LIFT =
  'mutation($id: ID!, $on: Date!) { liftMeasure(id: $id, liftedOn: $on) { id status liftedOn } }';
const ADD_OFFICIAL = 'mutation($input: AddOfficialInput!) { addOfficial(input: $input) { id } }';

const numericId = (globalId: string) =>
  Number(Buffer.from(globalId, 'base64url').toString().split(':')[1]);

async function lastSeq(): Promise<number> {
  const [row] = await server.db.query<{ seq: string | null }>(
    'SELECT max(seq) AS seq FROM change_log',
  );
  return Number(row!.seq ?? 0);
}

async function addMeasure(overrides: Record<string, unknown> = {}, key = editor): Promise<string> {
  const { addMeasure: m } = ok(await server.gqlAs(key, ADD, { input: measureInput(overrides) }));
  return m.id as string;
}

function codeOf(response: { errors?: { extensions?: Record<string, unknown> }[] }): string {
  return response.errors ? String(response.errors[0]!.extensions?.code) : 'OK';
}

describe('validation on the merged (stored + updated) record', () => {
  test('update only expiresOn to before the stored effectiveFrom names input.expiresOn, changes nothing', async () => {
    const id = await addMeasure({ announcedOn: '2030-01-01', effectiveFrom: '2030-02-01' });
    const seq = await lastSeq();
    const r = await server.gqlAs(editor, UPDATE, { id, input: { expiresOn: '2030-01-15' } });
    expect(r.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.expiresOn',
    });
    expect(await lastSeq()).toBe(seq);
  });

  test('update indefinite:true on a measure with expiresOn names input.indefinite', async () => {
    const id = await addMeasure({ announcedOn: '2030-01-01', expiresOn: '2031-01-01' });
    const r = await server.gqlAs(editor, UPDATE, { id, input: { indefinite: true } });
    expect(r.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.indefinite',
    });
  });

  test('update only effectiveFrom to before the stored announcedOn names input.effectiveFrom', async () => {
    const id = await addMeasure({ announcedOn: '2030-01-10' });
    const r = await server.gqlAs(editor, UPDATE, { id, input: { effectiveFrom: '2030-01-01' } });
    expect(r.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.effectiveFrom',
    });
  });

  test('update only targetCount below the stored named targets is refused', async () => {
    const a = await insertOfficial(server.db, { name: 'R3 T1', country: 'RU' });
    const b = await insertOfficial(server.db, { name: 'R3 T2', country: 'RU' });
    const id = await addMeasure({ targetOfficialIds: [a.globalId, b.globalId] });
    const r = await server.gqlAs(editor, UPDATE, { id, input: { targetCount: 1 } });
    expect(r.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.targetCount',
    });
  });

  test('liftMeasure with liftedOn before announcedOn is BAD_USER_INPUT naming liftedOn', async () => {
    const id = await addMeasure({ announcedOn: '2024-05-04' });
    const r = await server.gqlAs(editor, LIFT, { id, on: '2024-05-03' });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'liftedOn' });
  });
});

describe('statementIds and measureIds', () => {
  test('addMeasure: the unknown statement is named at its own index, after a duplicate', async () => {
    const s = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-01-01' });
    const unknown = encodeGlobalId('Statement', 999_999);
    const before = await rowCount(server.db, 'measure');
    const r = await server.gqlAs(editor, ADD, {
      input: measureInput({ statementIds: [s.globalId, s.globalId, unknown] }),
    });
    expect(r.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.statementIds[2]',
    });
    expect(await rowCount(server.db, 'measure')).toBe(before);
  });

  test('updateMeasure: the unknown statement is named at its own index, after a duplicate', async () => {
    const s = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-01-01' });
    const id = await addMeasure();
    const unknown = encodeGlobalId('Statement', 999_998);
    const r = await server.gqlAs(editor, UPDATE, {
      id,
      input: { statementIds: [s.globalId, s.globalId, unknown] },
    });
    expect(r.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.statementIds[2]',
    });
  });

  test('addStatement: the unknown measure is named at its own index; nothing written', async () => {
    const m = await addMeasure();
    const before = {
      statements: await rowCount(server.db, 'statement'),
      sources: await rowCount(server.db, 'source'),
      seq: await lastSeq(),
    };
    const r = await server.gqlAs(editor, ADD_STATEMENT, {
      input: statementInput('GB', { measureIds: [m, m, encodeGlobalId('Measure', 999_997)] }),
    });
    expect(r.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.measureIds[2]',
    });
    expect(await rowCount(server.db, 'statement')).toBe(before.statements);
    expect(await rowCount(server.db, 'source')).toBe(before.sources);
    expect(await lastSeq()).toBe(before.seq);
  });
});

describe('inResponseTo cycles', () => {
  test('a four-long cycle through updateMeasure is refused', async () => {
    const a = await addMeasure({ title: 'Cycle A' });
    const b = await addMeasure({ title: 'Cycle B', inResponseToId: a });
    const c = await addMeasure({ title: 'Cycle C', inResponseToId: b });
    const d = await addMeasure({ title: 'Cycle D', inResponseToId: c });
    const r = await server.gqlAs(editor, UPDATE, { id: a, input: { inResponseToId: d } });
    expect(r.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.inResponseToId',
    });
  });

  test('concurrent edits A→B and B→C (no cycle) both succeed', async () => {
    const failures: string[] = [];
    for (let round = 0; round < 4; round++) {
      const a = await addMeasure({ title: `Chain A${round}` });
      const b = await addMeasure({ title: `Chain B${round}` });
      const c = await addMeasure({ title: `Chain C${round}` });
      const results = await Promise.all([
        server.gqlAs(editor, UPDATE, { id: a, input: { inResponseToId: b, title: `A${round}x` } }),
        server.gqlAs(editor, UPDATE, { id: b, input: { inResponseToId: c, title: `B${round}x` } }),
      ]);
      for (const r of results) if (r.errors) failures.push(JSON.stringify(r.errors[0]));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  test('concurrent A→B and B→A: one succeeds, the other is BAD_USER_INPUT (never an internal error)', async () => {
    const codes: string[][] = [];
    for (let round = 0; round < 4; round++) {
      const a = await addMeasure({ title: `Mutual A${round}` });
      const b = await addMeasure({ title: `Mutual B${round}` });
      const results = await Promise.all([
        server.gqlAs(editor, UPDATE, { id: a, input: { inResponseToId: b } }),
        server.gqlAs(editor, UPDATE, { id: b, input: { inResponseToId: a } }),
      ]);
      codes.push(results.map(codeOf).sort());
    }
    for (const pair of codes) expect(pair).toEqual(['BAD_USER_INPUT', 'OK']);
  }, 60_000);
});

describe('exactly once', () => {
  test('a second add with the same externalId and different content returns the first and writes nothing', async () => {
    const first = await addMeasure({ title: 'Ext first', externalId: 'review3-ext-1' });
    const before = {
      measures: await rowCount(server.db, 'measure'),
      officials: await rowCount(server.db, 'official'),
      sources: await rowCount(server.db, 'source'),
      targets: await rowCount(server.db, 'measure_target'),
      links: await rowCount(server.db, 'statement_measure'),
      seq: await lastSeq(),
    };
    const s = await insertStatement(server.db, { country: 'GB', issuedOn: '2024-01-01' });
    const linksBefore = await rowCount(server.db, 'statement_measure');
    const sourcesBefore = await rowCount(server.db, 'source');
    const r = ok(
      await server.gqlAs(editor, ADD, {
        input: measureInput({
          title: 'Ext second, different',
          externalId: ' review3-ext-1 ',
          newTargets: [{ name: 'Should not exist', country: 'JP', category: 'OTHER' }],
          statementIds: [s.globalId],
          sources: [{ title: 'Another' }, { title: 'And another' }],
        }),
      }),
    );
    expect(r.addMeasure.id).toBe(first);
    expect(await rowCount(server.db, 'measure')).toBe(before.measures);
    expect(await rowCount(server.db, 'official')).toBe(before.officials);
    expect(await rowCount(server.db, 'source')).toBe(sourcesBefore);
    expect(await rowCount(server.db, 'measure_target')).toBe(before.targets);
    expect(await rowCount(server.db, 'statement_measure')).toBe(linksBefore);
    expect(await lastSeq()).toBe(before.seq);
  });

  test('20 concurrent adds with one externalId and differing content: one row, one id', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.gqlAs(editor, ADD, {
          input: measureInput({
            title: `Concurrent ext ${i}`,
            externalId: 'review3-ext-concurrent',
            newTargets: [{ name: `Conc target ${i}`, country: 'JP', category: 'OTHER' }],
          }),
        }),
      ),
    );
    const ids = new Set(results.map((r) => ok(r).addMeasure.id));
    expect(ids.size).toBe(1);
    const [row] = await server.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM measure WHERE external_id = 'review3-ext-concurrent'",
    );
    expect(row!.n).toBe(1);
    const [officials] = await server.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM official WHERE name LIKE 'Conc target %'",
    );
    expect(officials!.n).toBe(1);
  });
});

describe('atomicity', () => {
  test('updateMeasure whose 2nd new target conflicts leaves targets, officials and change log as they were', async () => {
    const existing = await server.gqlAs(editor, ADD_OFFICIAL, {
      input: { name: 'Wiki holder', country: 'JP', category: 'OTHER', wikidataId: 'Q98765431' },
    });
    ok(existing);
    const t = await insertOfficial(server.db, { name: 'Original T', country: 'RU' });
    const id = await addMeasure({ targetOfficialIds: [t.globalId] });
    const before = {
      officials: await rowCount(server.db, 'official'),
      seq: await lastSeq(),
    };
    const r = await server.gqlAs(editor, UPDATE, {
      id,
      input: {
        title: 'Changed title',
        newTargets: [
          { name: 'Fresh', country: 'JP', category: 'OTHER' },
          { name: 'Dup wiki', country: 'JP', category: 'OTHER', wikidataId: 'Q98765431' },
        ],
      },
    });
    expect(r.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'input.newTargets[1].wikidataId',
    });
    expect(await rowCount(server.db, 'official')).toBe(before.officials);
    expect(await lastSeq()).toBe(before.seq);
    const [m] = await server.db.query<{ title: string }>(
      'SELECT title FROM measure WHERE id = $1',
      [numericId(id)],
    );
    expect(m!.title).toBe('Test measure');
    const targets = await server.db.query<{ official_id: number }>(
      'SELECT official_id FROM measure_target WHERE measure_id = $1',
      [numericId(id)],
    );
    expect(targets.map((x) => x.official_id)).toEqual([t.id]);
  });
});

describe('liftMeasure', () => {
  test('two concurrent lifts of one measure: exactly one wins, the other is CONFLICT; one change row', async () => {
    for (let round = 0; round < 3; round++) {
      const id = await addMeasure({ title: `Lift race ${round}`, announcedOn: '2024-01-01' });
      const seq = await lastSeq();
      const results = await Promise.all([
        server.gqlAs(editor, LIFT, { id, on: '2024-06-01' }),
        server.gqlAs(admin, LIFT, { id, on: '2024-07-01' }),
      ]);
      expect(results.map(codeOf).sort()).toEqual(['CONFLICT', 'OK']);
      const rows = await server.db.query<{ action: string }>(
        "SELECT action FROM change_log WHERE seq > $1 AND entity = 'Measure' AND entity_id = $2",
        [seq, numericId(id)],
      );
      expect(rows.map((x) => x.action)).toEqual(['lifted']);
    }
  });
});

describe('audit: every write records the key that made it', () => {
  test('addOfficial, addMeasure, updateMeasure, liftMeasure, addStatement, createApiKey, revokeApiKey', async () => {
    const seq = await lastSeq();
    ok(
      await server.gqlAs(editor, ADD_OFFICIAL, {
        input: { name: 'Audit O', country: 'GB', category: 'OTHER' },
      }),
    );
    const m = await addMeasure({ title: 'Audit M' });
    ok(await server.gqlAs(editor, UPDATE, { id: m, input: { title: 'Audit M2' } }));
    ok(await server.gqlAs(editor, LIFT, { id: m, on: '2024-04-01' }));
    ok(
      await server.gqlAs(editor, ADD_STATEMENT, {
        input: statementInput('GB', { measureIds: [m] }),
      }),
    );
    const created = ok(
      await server.gqlAs(
        admin,
        'mutation { createApiKey(name: "Audit key", role: EDITOR) { key apiKey { id } } }',
      ),
    );
    ok(
      await server.gqlAs(
        admin,
        `mutation { revokeApiKey(id: "${created.createApiKey.apiKey.id}") { id } }`,
      ),
    );
    const rows = await server.db.query<{
      entity: string;
      action: string;
      api_key_id: number | null;
      request_id: string | null;
    }>(
      'SELECT entity, action, api_key_id, request_id FROM change_log WHERE seq > $1 ORDER BY seq',
      [seq],
    );
    const kinds = rows.map((r) => `${r.entity}:${r.action}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Official:added',
        'Measure:added',
        'Measure:updated',
        'Measure:lifted',
        'Statement:added',
        'ApiKey:added',
        'ApiKey:revoked',
      ]),
    );
    for (const r of rows) {
      const expected = r.entity === 'ApiKey' ? numericId(adminId) : numericId(editorId);
      expect({ kind: `${r.entity}:${r.action}`, key: r.api_key_id }).toEqual({
        kind: `${r.entity}:${r.action}`,
        key: expected,
      });
      expect(r.request_id).toBeTruthy();
    }
  });
});

describe('API keys', () => {
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
    const seq = await lastSeq();
    for (const m of MUTATIONS) {
      const r = await server.gqlAs(key, m);
      expect({ m, code: codeOf(r) }).toEqual({ m, code: 'UNAUTHENTICATED' });
    }
    const q = await server.gqlAs(key, '{ apiKeys { id } }');
    expect(codeOf(q)).toBe('UNAUTHENTICATED');
    expect(await lastSeq()).toBe(seq);
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
      await server.gqlAs(admin, 'mutation { createApiKey(name: "Logged?", role: EDITOR) { key } }'),
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
