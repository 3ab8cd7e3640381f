/**
 * Filters of the read API: official name search across scripts, accents and case, within one of
 * name, nativeName and aliases, with LIKE wildcards (fullwidth too) matching only themselves;
 * country codes in any case in every argument; inclusive date ranges.
 */
import { ok } from '../../helpers/assertions';
import { cleanUp } from '../../helpers/cleanup';
import { insertOfficial } from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  const { db } = server;
  await insertOfficial(db, { name: 'Αλέξης Τσίπρας', country: 'GR', nativeName: 'ΣΟΦΙΑ Ωμέγα' });
  await insertOfficial(db, { name: 'Ordinary Person', country: 'GR', aliases: ['Zoë Ünal'] });
});
afterAll(cleanUp);

describe('filters', () => {
  test('official name search ignores case and accents (Latin, Greek)', async () => {
    for (const q of ['τσίπρας', 'σοφια', 'zoe unal', 'ZOË']) {
      const r = ok(
        await server.gql(`{ officials(filter: { name: "${q}" }) { totalCount } }`),
      ) as any;
      expect([q, r.officials.totalCount]).toEqual([q, 1]);
    }
  });

  test('official name search is case-insensitive for a word ending in Greek sigma (ΤΣΙΠΡΑΣ finds Τσίπρας)', async () => {
    for (const q of ['ΤΣΙΠΡΑΣ']) {
      const r = ok(
        await server.gql(`{ officials(filter: { name: "${q}" }) { totalCount } }`),
      ) as any;
      expect([q, r.officials.totalCount]).toEqual([q, 1]);
    }
  });
});

describe('country codes and search escapes', () => {
  test('country codes are case-insensitive in every argument', async () => {
    const r = ok(
      await server.gql(`{
      a: officials(filter: { country: ["jp"] }) { totalCount }
      b: statements(country: ["ru"]) { totalCount }
      c: measures(filter: { targetCountry: ["jP"] }) { totalCount }
      d: country(code: "jp") { code measuresReceived(filter: { imposedBy: ["ru"] }) { totalCount } }
    }`),
    ) as any;
    expect(r.a.totalCount).toBeGreaterThanOrEqual(2);
    expect(r.b.totalCount).toBeGreaterThanOrEqual(1);
    expect(r.c.totalCount).toBe(4);
    expect(r.d).toEqual({ code: 'JP', measuresReceived: { totalCount: 4 } });
  });

  test('official name search treats fullwidth ％ and ＿ as characters, not LIKE wildcards', async () => {
    // No official's name contains a percent sign or an underscore of any width.
    const r = ok(
      await server.gql(`{ a: officials(filter: { name: "Fum％Kish" }) { totalCount edges { node { name } } }
        b: officials(filter: { name: "Fumio＿Kishida" }) { totalCount } }`),
    ) as any;
    expect(r.a.totalCount).toBe(0);
    expect(r.b.totalCount).toBe(0);
  });

  test('name search: German sharp s', async () => {
    await insertOfficial(server.db, { name: 'Johann Strauß', country: 'AT' });
    const r = ok(
      await server.gql('{ officials(filter: { name: "STRAUSS" }) { totalCount } }'),
    ) as any;
    expect(r.officials.totalCount).toBe(1);
  });
});

describe('inclusive date ranges', () => {
  test('a one-day range includes that day, for measures and statements', async () => {
    const r = ok(
      await server.gql(`{
        m: measures(filter: { imposedBy: ["RU"], announcedFrom: "2022-05-04", announcedTo: "2022-05-04" }) { totalCount }
        s: statements(country: ["RU"], from: "2022-05-04", to: "2022-05-04") { totalCount } }`),
    ) as any;
    expect(r).toEqual({ m: { totalCount: 1 }, s: { totalCount: 1 } });
  });
});

describe('OfficialFilter.name matches within one of name, nativeName and aliases', () => {
  // The contract (docs/api.md): "name: substring match on name, nativeName and aliases": a string that spans two
  // of them (end of the name + start of the nativeName) must not match.
  beforeAll(async () => {
    await insertOfficial(server.db, {
      name: 'Quentin Quarrel',
      nativeName: 'Квентин Кворрел',
      aliases: ['Xavier Xylo', 'Wendel Wux'],
      country: 'GB',
    });
  });

  test.each([
    ['end of name + start of nativeName', 'quarrel квентин'],
    ['end of nativeName + start of an alias', 'кворрел xavier'],
    ['end of one alias + start of the next', 'xylo wendel'],
  ])('%s: no official matches', async (_what, name) => {
    const response = await server.gql(
      `query($name: String) { officials(filter: { name: $name }) { totalCount edges { node { name } } } }`,
      { name },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.officials).toEqual({ totalCount: 0, edges: [] });
  });

  test('control: a substring of one alias still matches', async () => {
    const response = await server.gql(
      `{ officials(filter: { name: "XAVIER xy" }) { totalCount } }`,
    );
    expect(response.data!.officials.totalCount).toBe(1);
  });
});
