import DataLoader from 'dataloader';
import { byKeyLoader, LoadersByArguments } from '../common/loaders';
import type { Page, PageWindow } from '../database/keyset';
import type { Official } from './official.entity';
import type { OfficialListQuery, OfficialService } from './official.service';

export function createOfficialLoaders(officials: OfficialService) {
  const countryPages = new LoadersByArguments<string, Page<Official>>();
  const countryCounts = new LoadersByArguments<string, number>();
  const targetPages = new LoadersByArguments<number, Page<Official>>();
  return {
    byId: byKeyLoader<number, Official>(
      (ids) => officials.byIds(ids),
      (official) => official.id,
    ),
    /** Country.officials */
    pageOfCountry: (query: OfficialListQuery) =>
      countryPages.get(query.key, (codes) => officials.pagesPerCountry(codes, query)),
    countOfCountry: (query: OfficialListQuery) =>
      countryCounts.get(JSON.stringify(query.filter), (codes) =>
        officials.countsPerCountry(codes, query.filter),
      ),
    /** Measure.targets */
    targetsOfMeasure: (window: PageWindow) =>
      targetPages.get(JSON.stringify(window), (ids) =>
        officials.targetPagesPerMeasure(ids, window),
      ),
    targetCountOfMeasure: new DataLoader<number, number>((ids) =>
      officials.targetCountsPerMeasure(ids),
    ),
  };
}

export type OfficialLoaders = ReturnType<typeof createOfficialLoaders>;
