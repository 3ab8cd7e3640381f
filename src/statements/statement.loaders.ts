import DataLoader from 'dataloader';
import { byKeyLoader, LoadersByArguments } from '../common/loaders';
import type { KeyValue, Page } from '../database/keyset';
import type { Statement } from './statement.entity';
import type { StatementListQuery, StatementParent, StatementService } from './statement.service';

export function createStatementLoaders(statements: StatementService) {
  const pages = new LoadersByArguments<KeyValue, Page<Statement>>();
  const counts = new LoadersByArguments<KeyValue, number>();
  return {
    byId: byKeyLoader<number, Statement>(
      (ids) => statements.byIds(ids),
      (statement) => statement.id,
    ),
    ofMeasure: new DataLoader<number, Statement[]>((ids) => statements.ofMeasures(ids)),
    /** Country.statements, Official.statements */
    pageOf: (parent: StatementParent, query: StatementListQuery) =>
      pages.get(`${parent} ${query.key}`, (keys) => statements.pagesPerParent(parent, keys, query)),
    countOf: (parent: StatementParent, query: StatementListQuery) =>
      counts.get(`${parent} ${JSON.stringify(query.filter)}`, (keys) =>
        statements.countsPerParent(parent, keys, query.filter),
      ),
  };
}

export type StatementLoaders = ReturnType<typeof createStatementLoaders>;
