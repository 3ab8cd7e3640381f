/**
 * measureUpdated: one event per write, for every kind of change (amendments, links to statements,
 * lifts, answers through inResponseTo), each showing the state after it; no `since` argument.
 */
import { Role } from '../../../src/auth/role';
import { cleanUp } from '../../helpers/cleanup';
import { addMeasureAs, addStatementAs, insertOfficial } from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';
import { connect, disposeClients } from '../../helpers/ws';

let server: TestServer;
let editor: string;

beforeAll(async () => {
  server = await startTestServer({ livePollMs: 200 });
  ({ key: editor } = await server.createKey(Role.EDITOR));
});
afterEach(disposeClients);
afterAll(cleanUp);

const addMeasure = (overrides: Record<string, unknown> = {}, target: TestServer = server) =>
  addMeasureAs(target, editor, overrides);

const addStatement = (country: string, overrides: Record<string, unknown> = {}) =>
  addStatementAs(server, editor, country, overrides);

const settle = (ms = 250) => new Promise((resolve) => setTimeout(resolve, ms));

describe('measureUpdated', () => {
  test('fires once per write for amendments, link changes and lifts, each showing the state after it', async () => {
    const official = await insertOfficial(server.db, { name: 'Review Target', country: 'RU' });
    const x = await addMeasure({ imposedBy: 'PL' });
    const other = await addMeasure({ imposedBy: 'PL' });
    const sub = connect(server.url).subscribe(
      `subscription { measureUpdated(filter: { imposedBy: ["pl"] }) {
        id title status targets { totalCount edges { node { name } } } statements { id } sources { title } } }`,
    );
    await settle();

    const update = (id: string, input: string) =>
      server.gqlAs(editor, `mutation { updateMeasure(id: "${id}", input: ${input}) { id } }`);
    expect((await update(x, '{ title: "X v2" }')).errors).toBeUndefined();
    // addStatement linking x twice and another measure: one event each
    const statement = await addStatement('PL', { measureIds: [x, x, other] });
    expect(
      (await update(x, `{ targetOfficialIds: ["${official.globalId}"] }`)).errors,
    ).toBeUndefined();
    expect((await update(x, '{ sources: [{ title: "New source" }] }')).errors).toBeUndefined();
    // no-op update: no event
    expect((await update(x, '{ title: "X v2" }')).errors).toBeUndefined();
    const statement2 = await addStatement('PL');
    const lifted = await server.gqlAs(
      editor,
      `mutation { liftMeasure(id: "${x}", liftedOn: "2024-06-01", statementId: "${statement2}") { id } }`,
    );
    expect(lifted.errors).toBeUndefined();

    await sub.waitFor(6);
    await settle(400);
    const events = sub.events.map((e) => e.data.measureUpdated);
    expect(events.map((e: { id: string }) => e.id)).toEqual([x, x, other, x, x, x]);
    const xs = events.filter((e: { id: string }) => e.id === x);
    // each event reflects (at least) the write that caused it, never an older state
    expect(xs[0].title).toBe('X v2');
    expect(xs[1].statements.map((s: { id: string }) => s.id)).toContain(statement);
    expect(xs[2].targets.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual([
      'Review Target',
    ]);
    expect(xs[3].sources).toEqual([{ title: 'New source' }]);
    expect(xs[4].status).toBe('LIFTED');
    expect(xs[4].statements.map((s: { id: string }) => s.id).sort()).toEqual(
      [statement, statement2].sort(),
    );
  });

  test('a measure whose responses change (another measure answers it) is announced as updated', async () => {
    const a = await addMeasure({ imposedBy: 'CZ' });
    const sub = connect(server.url).subscribe(
      'subscription { measureUpdated { id responses { id } } }',
    );
    await settle();
    const b = await addMeasure({ imposedBy: 'RU', targetCountry: 'CZ', inResponseToId: a });
    await settle(800);
    const forA = sub.events
      .map((e) => e.data.measureUpdated)
      .filter((m: { id: string }) => m.id === a);
    expect(forA).toEqual([{ id: a, responses: [{ id: b }] }]);
  });

  test('moving inResponseTo announces the measure it left, the one it now answers, and itself', async () => {
    const sub = connect(server.url).subscribe(
      'subscription { measureUpdated { id updatedAt inResponseTo { id } responses { id } } }',
    );
    await settle();
    const a = await addMeasure({ imposedBy: 'SK' });
    const c = await addMeasure({ imposedBy: 'SI' });
    const b = await addMeasure({ imposedBy: 'RU', inResponseToId: a });
    // Adding b announced a (now answered); only what the move announces counts below.
    await settle(800);
    const earlier = sub.events.length;
    const before = await server.gql('query($id: ID!) { measure(id: $id) { updatedAt } }', {
      id: a,
    });
    const moved = await server.gqlAs(
      editor,
      'mutation($id: ID!, $to: ID) { updateMeasure(id: $id, input: { inResponseToId: $to }) { id } }',
      { id: b, to: c },
    );
    expect(moved.errors).toBeUndefined();
    await settle(800);
    const events = sub.events.slice(earlier).map(
      (e) =>
        e.data.measureUpdated as {
          id: string;
          updatedAt: string;
          inResponseTo: { id: string } | null;
          responses: { id: string }[];
        },
    );
    const byId = new Map(events.map((event) => [event.id, event]));
    expect(events).toHaveLength(3);
    expect(byId.get(a)).toMatchObject({ responses: [] });
    expect(byId.get(c)).toMatchObject({ responses: [{ id: b }] });
    expect(byId.get(b)).toMatchObject({ inResponseTo: { id: c } });
    expect(byId.get(a)!.updatedAt > before.data.measure.updatedAt).toBe(true);
  });

  test('since is not an argument of measureUpdated', async () => {
    const id = await addMeasure();
    const sub = connect(server.url).subscribe(
      `subscription { measureUpdated(since: "${id}") { id } }`,
    );
    await sub.ended();
    expect(sub.failed).toBeDefined();
  });
});
