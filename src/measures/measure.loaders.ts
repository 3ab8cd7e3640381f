import DataLoader from 'dataloader';
import { byKeyLoader, LoadersByArguments } from '../common/loaders';
import type { KeyValue, Page } from '../database/keyset';
import type { Measure } from './measure.entity';
import type { MeasureListQuery, MeasureParent, MeasureService } from './measure.service';

export function createMeasureLoaders(measures: MeasureService) {
  const pages = new LoadersByArguments<KeyValue, Page<Measure>>();
  const counts = new LoadersByArguments<KeyValue, number>();
  return {
    byId: byKeyLoader<number, Measure>(
      (ids) => measures.byIds(ids),
      (measure) => measure.id,
    ),
    responses: new DataLoader<number, Measure[]>((ids) => measures.responsesTo(ids)),
    ofStatement: new DataLoader<number, Measure[]>((ids) => measures.ofStatements(ids)),
    /** Country.measuresImposed / measuresReceived, Official.measures */
    pageOf: (parent: MeasureParent, query: MeasureListQuery) =>
      pages.get(`${parent} ${query.key}`, (keys) => measures.pagesPerParent(parent, keys, query)),
    countOf: (parent: MeasureParent, query: MeasureListQuery) =>
      counts.get(`${parent} ${JSON.stringify(query.filter)}`, (keys) =>
        measures.countsPerParent(parent, keys, query.filter),
      ),
  };
}

export type MeasureLoaders = ReturnType<typeof createMeasureLoaders>;
