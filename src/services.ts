import type { DataSource } from 'typeorm';
import { ApiKeyService } from './auth/api-key.service';
import { CountryService } from './countries/country.service';
import type { Sql } from './database/sql';
import type { Logger } from './logger';
import { MeasureWriteService } from './measures/measure-write.service';
import { MeasureService } from './measures/measure.service';
import { OfficialWriteService } from './officials/official-write.service';
import { OfficialService } from './officials/official.service';
import { SourceService } from './sources/source.service';
import { StatementWriteService } from './statements/statement-write.service';
import { StatementService } from './statements/statement.service';

/** The services: one instance each per process, shared by every request. */
export interface Services {
  countries: CountryService;
  officials: OfficialService;
  officialWriter: OfficialWriteService;
  measures: MeasureService;
  measureWriter: MeasureWriteService;
  statements: StatementService;
  statementWriter: StatementWriteService;
  sources: SourceService;
  apiKeys: ApiKeyService;
}

/** Reads go through `sql` (plain rows), writes through TypeORM transactions on `dataSource`. */
export async function createServices(
  sql: Sql,
  dataSource: DataSource,
  logger: Logger,
): Promise<Services> {
  const countries = new CountryService(sql);
  await countries.loadCodes();
  const officials = new OfficialService(sql, countries);
  const officialWriter = new OfficialWriteService(dataSource, countries);
  const measures = new MeasureService(sql, countries, officials);
  const statements = new StatementService(sql, countries);
  const sources = new SourceService(sql);
  return {
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
    statements,
    statementWriter: new StatementWriteService(dataSource, countries, officials, measures, sources),
    sources,
    apiKeys: new ApiKeyService(dataSource, sql, logger),
  };
}
