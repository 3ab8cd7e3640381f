import { Role } from '../../../src/auth/role';
import { cleanUp } from '../../helpers/cleanup';
import { ADD_MEASURE, addMeasureAs, addStatementAs, insertOfficial } from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';
import { connect, disposeClients, type Received } from '../../helpers/ws';

/**
 * The three subscriptions (measureAdded, measureUpdated, statementAdded) deliver what the query
 * with the same filter returns, resolved like a query; a rolled-back write delivers nothing; a
 * bad filter ends only that subscription; a second instance on the database sees every write.
 */
let server: TestServer;
let editor: string;

beforeAll(async () => {
  server = await startTestServer({ livePollMs: 500 });
  ({ key: editor } = await server.createKey(Role.EDITOR));
});
afterEach(disposeClients);
afterAll(cleanUp);

const addMeasure = (overrides: Record<string, unknown> = {}, target: TestServer = server) =>
  addMeasureAs(target, editor, overrides);

const ids = (events: Received[]) =>
  events.map((event) => Object.values(event.data)[0] as { id: string }).map((n) => n.id);

/** Resolves once the server has registered the subscription (its first `next` may be long off). */
/** A filter on every MeasureFilter field (codes in mixed case), for feed-against-query checks. */
const filtersOverEveryField = (officialId: string) => [
  '{ imposedBy: ["RU"] }',
  '{ targetCountry: ["by", "KZ"] }',
  '{ kind: [ASSET_FREEZE], status: [ANNOUNCED] }',
  '{ announcedFrom: "2024-03-05", announcedTo: "2024-03-06" }',
  `{ targetsOfficial: "${officialId}" }`,
  '{ text: "semiconductor" }',
  '{ imposedBy: ["GB"], text: "-semiconductor" }',
];

/** Six measures, each matched by some of filtersOverEveryField and missed by others. */
async function addMeasuresForFilters(officialId: string): Promise<string[]> {
  return [
    await addMeasure({ imposedBy: 'RU', targetCountry: 'GB' }),
    await addMeasure({ targetCountry: 'BY', kind: 'ASSET_FREEZE', status: 'ANNOUNCED' }),
    await addMeasure({ targetCountry: 'KZ', announcedOn: '2024-03-05' }),
    await addMeasure({ targetCountry: null, announcedOn: '2024-03-06', kind: 'ASSET_FREEZE' }),
    await addMeasure({ targetOfficialIds: [officialId], summary: 'Export of semiconductors' }),
    await addMeasure({
      imposedBy: 'RU',
      title: 'Semiconductor export ban',
      status: 'ANNOUNCED',
      kind: 'ASSET_FREEZE',
    }),
  ];
}

/** Which of `among` the measures query returns for `filter`, sorted. */
async function queried(filter: string, among: string[]): Promise<string[]> {
  const query = await server.gql(
    `{ measures(first: 100, filter: ${filter}) { edges { node { id } } } }`,
  );
  return query.data.measures.edges
    .map((e: { node: { id: string } }) => e.node.id)
    .filter((id: string) => among.includes(id))
    .sort();
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 150));
}

describe('measureAdded', () => {
  test('delivers new measures with their links, resolved like a query', async () => {
    const sub = connect(server.url).subscribe(
      'subscription { measureAdded { id title imposedBy { code name } targetCountry { code } targets { totalCount edges { node { name } } } sources { title } } }',
    );
    await settle();
    const id = await addMeasure({
      title: 'Delivered',
      newTargets: [{ name: 'Named One', country: 'RU', category: 'OTHER' }],
    });
    const [event] = await sub.waitFor(1);
    expect(event!.data.measureAdded).toEqual({
      id,
      title: 'Delivered',
      imposedBy: { code: 'GB', name: 'United Kingdom' },
      targetCountry: { code: 'RU' },
      targets: { totalCount: 1, edges: [{ node: { name: 'Named One' } }] },
      sources: [{ title: 'S' }],
    });
  });

  test('each filter matches exactly what the measures query matches', async () => {
    const official = await insertOfficial(server.db, { name: 'Filtered Target', country: 'RU' });
    const filters = filtersOverEveryField(official.globalId);
    const client = connect(server.url);
    const subs = filters
      .slice(0, 3)
      .map((f) => client.subscribe(`subscription { measureAdded(filter: ${f}) { id } }`));
    const client2 = connect(server.url);
    subs.push(
      ...filters
        .slice(3, 6)
        .map((f) => client2.subscribe(`subscription { measureAdded(filter: ${f}) { id } }`)),
    );
    subs.push(
      connect(server.url).subscribe(`subscription { measureAdded(filter: ${filters[6]}) { id } }`),
    );
    const all = connect(server.url).subscribe('subscription { measureAdded { id } }');
    await settle();

    const created = await addMeasuresForFilters(official.globalId);
    await all.waitFor(created.length);
    for (const [i, filter] of filters.entries()) {
      const expected = await queried(filter, created);
      expect(ids(subs[i]!.events).sort()).toEqual(expected);
      expect({ filter, count: expected.length }).toEqual({ filter, count: expect.any(Number) });
    }
    expect(ids(subs[0]!.events).length).toBeGreaterThan(0);
  });

  test('measureUpdated: every filter matches what the query matches, after amendments and lifts', async () => {
    const official = await insertOfficial(server.db, { name: 'Updated Target', country: 'RU' });
    const filters = filtersOverEveryField(official.globalId);
    const created = await addMeasuresForFilters(official.globalId);
    const subs = filters.map((f) =>
      connect(server.url).subscribe(`subscription { measureUpdated(filter: ${f}) { id } }`),
    );
    const all = connect(server.url).subscribe('subscription { measureUpdated { id } }');
    await settle();
    for (const id of created) {
      const updated = await server.gqlAs(
        editor,
        `mutation { updateMeasure(id: "${id}", input: { targetCount: 5 }) { id } }`,
      );
      expect(updated.errors).toBeUndefined();
    }
    const lifted = await server.gqlAs(
      editor,
      `mutation { liftMeasure(id: "${created[0]}", liftedOn: "2024-06-01") { id } }`,
    );
    expect(lifted.errors).toBeUndefined();
    await all.waitFor(created.length + 1);
    await settle();
    for (const [i, filter] of filters.entries()) {
      const expected = await queried(filter, created);
      expect({ filter, ids: [...new Set(ids(subs[i]!.events))].sort() }).toEqual({
        filter,
        ids: expected,
      });
    }
  });

  test('a rolled-back write delivers nothing', async () => {
    const sub = connect(server.url).subscribe('subscription { measureAdded { id title } }');
    await settle();
    const taken = await insertOfficial(server.db, { name: 'Taken', country: 'JP' });
    await server.db.query(`UPDATE official SET wikidata_id = 'Q424242' WHERE id = $1`, [taken.id]);
    const failed = await server.gqlAs(editor, ADD_MEASURE, {
      input: {
        kind: 'ENTRY_BAN',
        title: 'Rolled back',
        imposedBy: 'RU',
        announcedOn: '2024-01-01',
        newTargets: [{ name: 'Dup', country: 'JP', category: 'OTHER', wikidataId: 'Q424242' }],
        sources: [{ title: 'S' }],
      },
    });
    expect(failed.errors![0]!.extensions!.code).toBe('CONFLICT');
    const id = await addMeasure({ title: 'After the rollback' });
    const events = await sub.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events.map((e) => e.data.measureAdded.title)).toEqual(['After the rollback']);
    expect(ids(events)).toEqual([id]);
  });

  test('a bad filter or since is an error for that subscription', async () => {
    const client = connect(server.url);
    const badCode = client.subscribe(
      'subscription { measureAdded(filter: { imposedBy: ["XX"] }) { id } }',
    );
    const badSince = client.subscribe('subscription { measureAdded(since: "garbage") { id } }');
    await badCode.ended();
    await badSince.ended();
    expect(badCode.events[0]!.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'filter.imposedBy[0]',
    });
    expect(badSince.events[0]!.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'since',
    });
  });
});

describe('measureUpdated and statementAdded', () => {
  test('amendments and lifts are delivered, filtered like the query', async () => {
    const ru = await addMeasure({ imposedBy: 'RU' });
    const gb = await addMeasure({ imposedBy: 'GB' });
    const sub = connect(server.url).subscribe(
      'subscription { measureUpdated(filter: { imposedBy: ["RU"] }) { id title status liftedOn } }',
    );
    await settle();
    await server.gqlAs(
      editor,
      `mutation { updateMeasure(id: "${gb}", input: { title: "GB amended" }) { id } }`,
    );
    await server.gqlAs(
      editor,
      `mutation { updateMeasure(id: "${ru}", input: { title: "RU amended" }) { id } }`,
    );
    await server.gqlAs(
      editor,
      `mutation { liftMeasure(id: "${ru}", liftedOn: "2024-06-01") { id } }`,
    );
    const events = await sub.waitFor(2);
    // Each event carries the measure as read when its change was handed out: the amendment may
    // already show the lift if both arrive together, the lift always does. GB's never arrives.
    expect(events.map((e) => e.data.measureUpdated.id)).toEqual([ru, ru]);
    expect(events.map((e) => e.data.measureUpdated.title)).toEqual(['RU amended', 'RU amended']);
    expect(events[1]!.data.measureUpdated).toMatchObject({
      status: 'LIFTED',
      liftedOn: '2024-06-01',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sub.events).toHaveLength(2);
  });

  test('statementAdded by country, with since', async () => {
    const add = (country: string) => addStatementAs(server, editor, country);
    const sub = connect(server.url).subscribe(
      'subscription { statementAdded(country: ["ru"]) { id country { code } } }',
    );
    await settle();
    const first = await add('RU');
    await add('GB');
    const second = await add('RU');
    const events = await sub.waitFor(2);
    expect(events.map((e) => e.data.statementAdded.id)).toEqual([first, second]);
    const resumed = connect(server.url).subscribe(
      `subscription { statementAdded(since: "${first}") { id } }`,
    );
    const replayed = await resumed.waitFor(2);
    expect(replayed.map((e) => e.data.statementAdded.id)).toHaveLength(2);
    expect(replayed[1]!.data.statementAdded.id).toBe(second);
  });
});

describe('two instances on one database', () => {
  test('a subscriber on B receives a write made on A', async () => {
    const b = await startTestServer({}, server.db);
    const sub = connect(b.url).subscribe('subscription { measureAdded { id } }');
    await settle();
    const id = await addMeasure({ title: 'Written on A' }, server);
    const [event] = await sub.waitFor(1);
    expect(event!.data.measureAdded.id).toBe(id);
  });
});
