import { CountryService } from './countries/country.service';
import type { Sql } from './database/sql';
import { MeasureService } from './measures/measure.service';
import { OfficialService } from './officials/official.service';
import { SourceService } from './sources/source.service';
import { StatementService } from './statements/statement.service';

/** The feature services: one instance each per process, shared by every request. */
export interface Services {
  countries: CountryService;
  officials: OfficialService;
  measures: MeasureService;
  statements: StatementService;
  sources: SourceService;
}

export async function createServices(sql: Sql): Promise<Services> {
  const countries = new CountryService(sql);
  await countries.loadCodes();
  const officials = new OfficialService(sql, countries);
  return {
    countries,
    officials,
    measures: new MeasureService(sql, countries, officials),
    statements: new StatementService(sql, countries),
    sources: new SourceService(sql),
  };
}
