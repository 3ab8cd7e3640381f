import { OfficialCategory } from '../../src/officials/official-category';
import type { AddOfficialInput } from '../../src/officials/official.inputs';
import { normalizeOfficials, wikidataTaken } from '../../src/officials/official.rules';

/** How officials are recorded, before any database: trimming, country codes, repeats. */

const at = (i: number) => `input.newTargets[${i}]`;
/** Upper-cases a code, as CountryService.knownCode does, refusing "XX". */
const countryCode = (code: string, field: string) => {
  if (code.toUpperCase() === 'XX') throw new Error(`unknown at ${field}`);
  return code.toUpperCase();
};

function official(fields: Partial<AddOfficialInput> = {}): AddOfficialInput {
  return {
    name: 'Jane Doe',
    country: 'gb',
    category: Object.values(OfficialCategory)[0]!,
    ...fields,
  } as AddOfficialInput;
}

it('trims the names, turns blanks into null and checks the country', () => {
  const [record] = normalizeOfficials(
    [
      official({
        name: '  Jane Doe ',
        nativeName: '   ',
        aliases: [' J. Doe ', 'Jane'],
        position: ' Minister ',
      }),
    ],
    at,
    countryCode,
  );
  expect(record).toEqual({
    name: 'Jane Doe',
    nativeName: null,
    aliases: ['J. Doe', 'Jane'],
    countryCode: 'GB',
    position: 'Minister',
    category: Object.values(OfficialCategory)[0],
    wikidataId: null,
  });
});

it('records no aliases as an empty list', () => {
  expect(normalizeOfficials([official()], at, countryCode)[0]!.aliases).toEqual([]);
});

it('refuses a Wikidata item listed twice, naming both places', () => {
  const list = [
    official({ wikidataId: 'Q1' }),
    official({ wikidataId: 'Q2' }),
    official({ wikidataId: 'Q1' }),
  ];
  try {
    normalizeOfficials(list, at, countryCode);
    throw new Error('expected a refusal');
  } catch (error) {
    expect((error as Error).message).toBe(
      'input.newTargets[2].wikidataId repeats input.newTargets[0].wikidataId.',
    );
    expect((error as { extensions: unknown }).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.newTargets[2].wikidataId',
    });
  }
});

it('lets any number of officials go without a Wikidata item', () => {
  expect(normalizeOfficials([official(), official()], at, countryCode)).toHaveLength(2);
});

it('reports the first bad official, whichever its fault', () => {
  const repeatFirst = [
    official({ wikidataId: 'Q1' }),
    official({ wikidataId: 'Q1' }),
    official({ country: 'XX' }),
  ];
  expect(() => normalizeOfficials(repeatFirst, at, countryCode)).toThrow(/repeats/);
  const countryFirst = [
    official({ wikidataId: 'Q1' }),
    official({ country: 'XX' }),
    official({ wikidataId: 'Q1' }),
  ];
  expect(() => normalizeOfficials(countryFirst, at, countryCode)).toThrow(
    'unknown at input.newTargets[1].country',
  );
});

it('answers a Wikidata item recorded already with CONFLICT', () => {
  const error = wikidataTaken('Q7747', 'input.wikidataId');
  expect(error.message).toBe('An official with Wikidata id Q7747 is already recorded.');
  expect(error.extensions).toEqual({ code: 'CONFLICT', field: 'input.wikidataId' });
});
