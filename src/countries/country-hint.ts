import seededCountries from '../../seeds/countries.json';

/** What a hint needs to know of a country: its ISO codes and short name. */
export interface CountryNaming {
  code: string;
  alpha3: string;
  name: string;
}

/** Codes in common use that are not ISO 3166-1 alpha-2: the EU writes EL for Greece. */
const CODE_ALIASES: Readonly<Record<string, string>> = { UK: 'GB', EL: 'GR' };

/**
 * Names in common use that are not the ISO short name and that it does not start with
 * ("Russia" is found as the start of "Russian Federation"). Normalized, see `normalized`.
 */
const COMMON_NAMES: Readonly<Record<string, string>> = {
  america: 'US',
  'united states of america': 'US',
  britain: 'GB',
  'great britain': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  uae: 'AE',
  'south korea': 'KR',
  'north korea': 'KP',
  laos: 'LA',
  vietnam: 'VN',
  burma: 'MM',
  'czech republic': 'CZ',
  turkey: 'TR',
  holland: 'NL',
  macedonia: 'MK',
  'ivory coast': 'CI',
  'cape verde': 'CV',
  swaziland: 'SZ',
  'east timor': 'TL',
  brunei: 'BN',
  vatican: 'VA',
  'vatican city': 'VA',
  drc: 'CD',
  'dr congo': 'CD',
  'democratic republic of the congo': 'CD',
  'republic of the congo': 'CG',
};

/** Shortest name start (after normalizing) that is matched against the start of a name. */
const MIN_PREFIX = 4;

/**
 * Lower case, without accents, punctuation or a leading "the": "Côte d'Ivoire" and "cote
 * d'ivoire" both become "cote d ivoire".
 */
export function normalized(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/^the /, '');
}

/**
 * The ISO alpha-2 code someone most likely meant by `input`, which is not one: an alpha-3 code
 * ("RUS"), a code in common use ("UK", "EL"), or a name, in any case ("Russia", "south korea",
 * "Türkiye"): the ISO short name, the part before its comma ("Iran" for "Iran, Islamic Republic
 * of"), a common name, or the start of exactly one name ("Russia", "Syria"). Undefined when
 * nothing fits, or when the input could mean several countries ("Korea"). Pure: the countries are
 * given, so the function can be tested on any list.
 */
export function countryHints(
  countries: readonly CountryNaming[],
): (input: string) => string | undefined {
  const byAlpha3 = new Map(countries.map((c) => [c.alpha3.toUpperCase(), c.code]));
  const codes = new Set(countries.map((c) => c.code));
  const byName = new Map(countries.map((c) => [normalized(c.name), c.code]));
  // Shorter forms of the ISO names; one that two countries share names neither.
  const byShortName = new Map<string, string | null>();
  for (const country of countries) {
    const forms = [country.name.split(',')[0]!, country.name.replace(/\s*\([^)]*\)/g, '')].map(
      normalized,
    );
    for (const form of new Set(forms)) {
      if (byName.has(form)) continue;
      const known = byShortName.get(form);
      byShortName.set(form, known === undefined || known === country.code ? country.code : null);
    }
  }
  const names = [...byName];
  const known = (code: string | null | undefined) => (code && codes.has(code) ? code : undefined);
  return (input) => {
    const trimmed = input.trim();
    const upper = trimmed.toUpperCase();
    if (/^[A-Z]{3}$/.test(upper) && byAlpha3.has(upper)) return byAlpha3.get(upper);
    if (/^[A-Z]{2}$/.test(upper)) return known(CODE_ALIASES[upper]);
    const name = normalized(trimmed);
    if (name.length === 0) return undefined;
    const exact = byName.get(name) ?? known(COMMON_NAMES[name]) ?? known(byShortName.get(name));
    if (exact || name.length < MIN_PREFIX) return exact;
    const starting = names.filter(([full]) => full.startsWith(name));
    return starting.length === 1 ? starting[0]![1] : undefined;
  };
}

/** countryHints over the seeded countries (seeds/countries.json, all of ISO 3166-1). */
export const suggestCountryCode = countryHints(seededCountries);

/**
 * `base` made a sentence: `base; did you mean "RU"?` when `input` likely meant a code that
 * `usable` accepts, else `base.`.
 */
export function withCountryHint(
  base: string,
  input: string,
  usable: (code: string) => boolean = () => true,
): string {
  const code = suggestCountryCode(input);
  return code && usable(code) ? `${base}; did you mean "${code}"?` : `${base}.`;
}
