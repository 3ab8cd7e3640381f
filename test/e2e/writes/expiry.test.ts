import { Role } from '../../../src/auth/role';
import { decodeIntId } from '../../../src/common/global-id';
import { utcToday } from '../../../src/measures/measure-expiry';
import { cleanUp } from '../../helpers/cleanup';
import { startTestServer, type TestServer } from '../../helpers/server';
import { connect, disposeClients } from '../../helpers/ws';

/**
 * Measures expire the day after their expiresOn (UTC): at once when written with a past date, and
 * through the sweep every instance runs when a day turns, announced by measureUpdated.
 */
let server: TestServer;
let editor: string;

beforeAll(async () => {
  // The sweep runs every 300 ms here (a minute by default).
  server = await startTestServer({ expirySweepMs: 300, livePollMs: 200 });
  ({ key: editor } = await server.createKey(Role.EDITOR));
});
afterEach(disposeClients);
afterAll(cleanUp);

const ADD = 'mutation($input: AddMeasureInput!) { addMeasure(input: $input) { id status } }';
const UPDATE =
  'mutation($id: ID!, $input: UpdateMeasureInput!) { updateMeasure(id: $id, input: $input) { id status expiresOn } }';

function daysFromToday(days: number): string {
  return utcToday(new Date(Date.now() + days * 86_400_000));
}

async function addMeasure(input: Record<string, unknown>): Promise<{ id: string; status: string }> {
  const response = await server.gqlAs(editor, ADD, {
    input: {
      kind: 'ASSET_FREEZE',
      title: 'Expiring measure',
      imposedBy: 'GB',
      targetCountry: 'RU',
      announcedOn: '2020-01-01',
      sources: [{ title: 'S' }],
      ...input,
    },
  });
  expect(response.errors).toBeUndefined();
  return response.data.addMeasure;
}

/** Moves a measure's expiresOn back by a day, as if the calendar had moved on. */
async function dayPasses(id: string): Promise<void> {
  await server.db.query(`UPDATE measure SET expires_on = expires_on - 1 WHERE id = $1`, [
    decodeIntId(id, 'Measure', 'id'),
  ]);
}

async function changes(id: string): Promise<string[]> {
  const rows = await server.db.query<{ action: string }>(
    `SELECT action FROM change_log WHERE entity = 'Measure' AND entity_id = $1 ORDER BY seq`,
    [decodeIntId(id, 'Measure', 'id')],
  );
  return rows.map((row) => row.action);
}

describe('when written', () => {
  test('a past expiresOn records the measure as EXPIRED; today or later keeps its status', async () => {
    expect((await addMeasure({ expiresOn: '2021-01-01' })).status).toBe('EXPIRED');
    expect((await addMeasure({ expiresOn: daysFromToday(-1) })).status).toBe('EXPIRED');
    expect((await addMeasure({ expiresOn: daysFromToday(-1), status: 'SUSPENDED' })).status).toBe(
      'EXPIRED',
    );
    expect((await addMeasure({ expiresOn: utcToday() })).status).toBe('IN_FORCE');
    expect((await addMeasure({ expiresOn: daysFromToday(30), status: 'ANNOUNCED' })).status).toBe(
      'ANNOUNCED',
    );
    expect((await addMeasure({ indefinite: true })).status).toBe('IN_FORCE');
  });

  test('moving an expired measure’s expiresOn into the future renews it', async () => {
    const { id } = await addMeasure({ expiresOn: '2021-01-01' });
    const renewed = await server.gqlAs(editor, UPDATE, {
      id,
      input: { expiresOn: daysFromToday(180) },
    });
    expect(renewed.data.updateMeasure).toEqual({
      id,
      status: 'IN_FORCE',
      expiresOn: daysFromToday(180),
    });
    // Back into the past: expired again, whatever status the update names.
    const back = await server.gqlAs(editor, UPDATE, {
      id,
      input: { expiresOn: '2021-06-01', status: 'IN_FORCE' },
    });
    expect(back.data.updateMeasure.status).toBe('EXPIRED');
    // A renewal that names a status gets that status.
    const suspended = await server.gqlAs(editor, UPDATE, {
      id,
      input: { expiresOn: null, indefinite: true, status: 'SUSPENDED' },
    });
    expect(suspended.data.updateMeasure.status).toBe('SUSPENDED');
    // An unrelated edit of an expired measure leaves it expired.
    const other = await addMeasure({ expiresOn: '2021-01-01' });
    const edited = await server.gqlAs(editor, UPDATE, {
      id: other.id,
      input: { title: 'Retitled' },
    });
    expect(edited.data.updateMeasure.status).toBe('EXPIRED');
  });
});

describe('when a day passes', () => {
  test('the sweep expires the measure and measureUpdated announces it', async () => {
    const due = await addMeasure({ expiresOn: utcToday(), title: 'Due today' });
    const lifted = await addMeasure({ expiresOn: utcToday(), title: 'Lifted first' });
    await server.gqlAs(
      editor,
      `mutation { liftMeasure(id: "${lifted.id}", liftedOn: "2020-06-01") { id } }`,
    );
    const sub = connect(server.url).subscribe(
      'subscription { measureUpdated(filter: { imposedBy: ["GB"], status: [EXPIRED] }) { id status expiresOn } }',
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    await dayPasses(due.id);
    await dayPasses(lifted.id);

    const [event] = await sub.waitFor(1);
    expect(event!.data.measureUpdated).toEqual({
      id: due.id,
      status: 'EXPIRED',
      expiresOn: daysFromToday(-1),
    });
    const read = await server.gql(`{ node(id: "${lifted.id}") { ... on Measure { status } } }`);
    expect(read.data.node.status).toBe('LIFTED');
    expect(await changes(due.id)).toEqual(['added', 'expired']);
    expect(await changes(lifted.id)).toEqual(['added', 'lifted']);
  });

  test('instances sweeping the same database expire each measure exactly once', async () => {
    const second = await startTestServer({ expirySweepMs: 50 }, server.db);
    const third = await startTestServer({ expirySweepMs: 50 }, server.db);
    const measures = await Promise.all(
      Array.from({ length: 30 }, (_, i) => addMeasure({ expiresOn: utcToday(), title: `M${i}` })),
    );
    await server.db.query(`UPDATE measure SET expires_on = expires_on - 1 WHERE id = ANY($1)`, [
      measures.map((m) => decodeIntId(m.id, 'Measure', 'id')),
    ]);
    // Every instance sweeps several times while this waits.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await Promise.all([second.app.expiry.sweep(), third.app.expiry.sweep()]);
    const rows = await server.db.query<{ status: string; expired: number }>(
      `SELECT m.status, count(c.seq)::int AS expired
       FROM measure m LEFT JOIN change_log c
         ON c.entity = 'Measure' AND c.entity_id = m.id AND c.action = 'expired'
       WHERE m.id = ANY($1) GROUP BY m.id, m.status`,
      [measures.map((m) => decodeIntId(m.id, 'Measure', 'id'))],
    );
    expect(rows).toHaveLength(30);
    expect(rows.every((row) => row.status === 'EXPIRED' && row.expired === 1)).toBe(true);
    await second.stop();
    await third.stop();
  });

  test('a sweep with nothing due writes nothing', async () => {
    const [before] = await server.db.query<{ max: string }>('SELECT max(seq) FROM change_log');
    expect(await server.app.expiry.sweep()).toBe(0);
    const [after] = await server.db.query<{ max: string }>('SELECT max(seq) FROM change_log');
    expect(after!.max).toBe(before!.max);
  });
});
