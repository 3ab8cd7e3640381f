import countries from '../../seeds/countries.json';
import {
  countryHints,
  normalized,
  suggestCountryCode,
  withCountryHint,
} from '../../src/countries/country-hint';

describe('suggestCountryCode, over the seeded countries', () => {
  test.each([
    // alpha-3 codes, in any case
    ['RUS', 'RU'],
    ['rus', 'RU'],
    ['GBR', 'GB'],
    ['USA', 'US'],
    ['DEU', 'DE'],
    [' JPN ', 'JP'],
    // codes in common use that ISO does not give
    ['UK', 'GB'],
    ['uk', 'GB'],
    ['EL', 'GR'],
    // ISO short names, ignoring case, accents and punctuation
    ['Japan', 'JP'],
    ['GERMANY', 'DE'],
    ['United Kingdom', 'GB'],
    ['Russian Federation', 'RU'],
    ['Türkiye', 'TR'],
    ['cote d’ivoire', 'CI'],
    ['The Netherlands', 'NL'],
    // the part before the comma, the name without its brackets
    ['Iran', 'IR'],
    ['Venezuela', 'VE'],
    ['Holy See', 'VA'],
    // common names
    ['South Korea', 'KR'],
    ['north korea', 'KP'],
    ['Vietnam', 'VN'],
    ['Great Britain', 'GB'],
    ['Turkey', 'TR'],
    ['Czech Republic', 'CZ'],
    ['DR Congo', 'CD'],
    // the start of exactly one name
    ['Russia', 'RU'],
    ['russia', 'RU'],
    ['Syria', 'SY'],
  ])('%j → %s', (input, code) => {
    expect(suggestCountryCode(input)).toBe(code);
  });

  test.each<[string, string | undefined, string]>([
    ['XX', undefined, 'two letters that are neither a code nor an alias'],
    ['ZZZ', undefined, 'three letters that are no alpha-3 code'],
    ['Korea', undefined, 'the short name of two countries, KP and KR'],
    ['Virgin Islands', undefined, 'the short name of VG and VI'],
    ['United', undefined, 'the start of several names'],
    ['Atlantis', undefined, 'no country'],
    ['', undefined, 'nothing'],
    ['   ', undefined, 'blanks'],
    ['Congo', 'CG', 'the name of CG, although "Congo, The Democratic Republic of" starts so'],
    ['Niger', 'NE', 'the name of NE, although "Nigeria" starts so'],
  ])('%j → %s: %s', (input, code) => {
    expect(suggestCountryCode(input)).toBe(code);
  });

  test('every seeded country is found by its alpha-3 code and by its name', () => {
    for (const country of countries) {
      expect([country.alpha3, suggestCountryCode(country.alpha3)]).toEqual([
        country.alpha3,
        country.code,
      ]);
      expect([country.name, suggestCountryCode(country.name)]).toEqual([
        country.name,
        country.code,
      ]);
    }
  });
});

describe('countryHints, over a list of its own', () => {
  const hint = countryHints([
    { code: 'AA', alpha3: 'AAA', name: 'Aland' },
    { code: 'AB', alpha3: 'ABB', name: 'Alandia, Republic of' },
    { code: 'GB', alpha3: 'GBR', name: 'Britain' },
  ]);

  test('knows only the countries it is given', () => {
    expect(hint('AAA')).toBe('AA');
    expect(hint('RUS')).toBeUndefined();
    expect(hint('Russia')).toBeUndefined();
    // UK is an alias of GB, which this list has; EL names GR, which it has not.
    expect(hint('UK')).toBe('GB');
    expect(hint('EL')).toBeUndefined();
  });

  test('an exact name wins over the start of a longer one', () => {
    expect(hint('aland')).toBe('AA');
    expect(hint('Alandia')).toBe('AB');
    expect(hint('Aland')).toBe('AA');
    expect(hint('Alan')).toBeUndefined(); // the start of both
  });
});

test('normalized folds case, accents, punctuation and a leading "the"', () => {
  expect(normalized("  The Côte-d'Ivoire ")).toBe('cote d ivoire');
  expect(normalized('Åland Islands')).toBe('aland islands');
});

test('withCountryHint ends the message with the hint, or with a full stop', () => {
  expect(withCountryHint('There is no country with code "UK"', 'UK')).toBe(
    'There is no country with code "UK"; did you mean "GB"?',
  );
  expect(withCountryHint('There is no country with code "XX"', 'XX')).toBe(
    'There is no country with code "XX".',
  );
  // A code the caller cannot use (not read at start-up) is not suggested.
  expect(withCountryHint('"RUS" is not a code', 'RUS', (code) => code !== 'RU')).toBe(
    '"RUS" is not a code.',
  );
});
