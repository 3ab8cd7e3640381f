import { byKeyLoader } from '../common/loaders';
import type { Country } from './country.entity';
import type { CountryService } from './country.service';

export function createCountryLoaders(countries: CountryService) {
  const fromDatabase = byKeyLoader<string, Country>(
    (codes) => countries.byCodes(codes),
    (country) => country.code,
  );
  return {
    byCode: {
      /**
       * The country, at once from the copy read at start-up; only a code not in it (unknown, or
       * seeded since) is looked up, batched. A plain value, not a promise, lets graphql-js
       * complete the parent without waiting a turn: a page of 50 measures with 10 targets each
       * links to 600 countries.
       */
      load: (code: string): Country | Promise<Country | null> =>
        countries.cached(code) ?? fromDatabase.load(code),
    },
  };
}

export type CountryLoaders = ReturnType<typeof createCountryLoaders>;
