import type { DataSource } from 'typeorm';
import { ApiKeyService } from './auth/api-key.service';
import { createLoaders } from './context';
import { CountryService } from './countries/country.service';
import type { Sql } from './database/sql';
import type { ChangeListener } from './live/change-listener';
import type { TopicOptions } from './live/topic';
import type { Logger } from './logger';
import { MeasureWriteService } from './measures/measure-write.service';
import { MeasureFeed } from './measures/measure.feed';
import { MeasureService } from './measures/measure.service';
import { OfficialWriteService } from './officials/official-write.service';
import { OfficialService } from './officials/official.service';
import { SourceService } from './sources/source.service';
import { StatementWriteService } from './statements/statement-write.service';
import { StatementFeed } from './statements/statement.feed';
import { StatementService } from './statements/statement.service';

/** The services: one instance each per process, shared by every request. */
export interface Services {
  countries: CountryService;
  officials: OfficialService;
  officialWriter: OfficialWriteService;
  measures: MeasureService;
  measureWriter: MeasureWriteService;
  measureFeed: MeasureFeed;
  statements: StatementService;
  statementWriter: StatementWriteService;
  statementFeed: StatementFeed;
  sources: SourceService;
  apiKeys: ApiKeyService;
}

export interface ServiceDependencies {
  sql: Sql;
  dataSource: DataSource;
  logger: Logger;
  /** This instance's change listener, started, and the limits of its subscriptions. */
  listener: ChangeListener;
  topicOptions: TopicOptions;
}

/** Reads go through `sql` (plain rows), writes through TypeORM transactions on `dataSource`. */
export async function createServices(deps: ServiceDependencies): Promise<Services> {
  const { sql, dataSource, logger, listener, topicOptions } = deps;
  const countries = new CountryService(sql);
  await countries.load();
  const officials = new OfficialService(sql, countries);
  const officialWriter = new OfficialWriteService(dataSource, countries);
  const measures = new MeasureService(sql, countries, officials);
  const statements = new StatementService(sql, countries);
  const sources = new SourceService(sql);
  // The feeds make fresh loaders for every batch of live events, over these same services.
  const newLoaders = () => createLoaders(services);
  const services: Services = {
    countries,
    officials,
    officialWriter,
    measures,
    measureWriter: new MeasureWriteService(
      dataSource,
      countries,
      measures,
      officials,
      officialWriter,
      statements,
      sources,
    ),
    measureFeed: new MeasureFeed(measures, listener, newLoaders, topicOptions),
    statements,
    statementWriter: new StatementWriteService(dataSource, countries, officials, measures, sources),
    statementFeed: new StatementFeed(statements, countries, listener, newLoaders, topicOptions),
    sources,
    apiKeys: new ApiKeyService(dataSource, sql, logger),
  };
  return services;
}
