import DataLoader from 'dataloader';
import type { Source } from './source.entity';
import type { SourceService } from './source.service';

export function createSourceLoaders(sources: SourceService) {
  return {
    ofMeasure: new DataLoader<number, Source[]>((ids) => sources.ofMeasures(ids)),
    ofStatement: new DataLoader<number, Source[]>((ids) => sources.ofStatements(ids)),
  };
}

export type SourceLoaders = ReturnType<typeof createSourceLoaders>;
