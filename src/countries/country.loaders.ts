import { byKeyLoader } from '../common/loaders';
import type { Country } from './country.entity';
import type { CountryService } from './country.service';

export function createCountryLoaders(countries: CountryService) {
  return {
    byCode: byKeyLoader<string, Country>(
      (codes) => countries.byCodes(codes),
      (country) => country.code,
    ),
  };
}

export type CountryLoaders = ReturnType<typeof createCountryLoaders>;
