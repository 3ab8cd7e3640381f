import { type PageArgs, pageWindow } from '../common/connection';
import { badUserInput } from '../common/errors';
import { hydrate } from '../common/loaders';
import { searchText } from '../common/validation';
import type { KeysetOrder, Page, SqlParams } from '../database/keyset';
import { KeysetTable } from '../database/keyset-table';
import type { Sql } from '../database/sql';
import { Country } from './country.entity';
import { withCountryHint } from './country-hint';

export const COUNTRY_COLUMNS = 'c.code, c.alpha3, c.name, c.region';

export const COUNTRY_ORDER: KeysetOrder<Country> = {
  id: 'country:CODE',
  direction: 'ASC',
  columns: [{ sql: 'c.code', type: 'text', value: (c) => c.code }],
};

const MAX_CODES = 300;

/**
 * Countries are reference data (seeded, never written through the API), so they are read once at
 * start-up: every code in an argument is checked against them, and the links to a country
 * (imposedBy, Official.country, ...) are answered from memory, with no statement and no promise.
 */
export class CountryService {
  private byCode = new Map<string, Country>();
  private readonly table: KeysetTable<Country, string | null | undefined>;

  constructor(private readonly sql: Sql) {
    this.table = new KeysetTable(sql, {
      select: COUNTRY_COLUMNS,
      from: 'country c',
      conditions: regionCondition,
      toRow: (raw) => hydrate(Country, raw),
    });
  }

  /** Reads the countries, once at start-up (codes seeded later are not valid in arguments). */
  async load(): Promise<void> {
    const rows = await this.sql.rows(`SELECT ${COUNTRY_COLUMNS} FROM country c`);
    const countries = rows.map((row) => hydrate(Country, row));
    this.byCode = new Map(countries.map((country) => [country.code, country]));
  }

  /** A country read at start-up; undefined for a code seeded since (or unknown). */
  cached(code: string): Country | undefined {
    return this.byCode.get(code);
  }

  /**
   * Upper-cases a code; BAD_USER_INPUT naming `field` if it is not two letters, with the code
   * that was likely meant (`"RUS" ...; did you mean "RU"?`).
   */
  normalizeCode(code: string, field: string): string {
    if (!/^[A-Za-z]{2}$/.test(code)) {
      const echoed = code.length > 40 ? `${code.slice(0, 40)}…` : code;
      throw badUserInput(
        field,
        this.withHint(`"${echoed}" is not an ISO 3166-1 alpha-2 country code`, code),
      );
    }
    return code.toUpperCase();
  }

  /**
   * A code that must name a seeded country: in a filter, an unknown code is a mistake in the
   * request (BAD_USER_INPUT), where `country(code:)` answers null (docs/api.md).
   */
  knownCode(code: string, field: string): string {
    const normalized = this.normalizeCode(code, field);
    if (!this.byCode.has(normalized)) {
      throw badUserInput(
        field,
        this.withHint(`There is no country with code "${normalized}"`, normalized),
      );
    }
    return normalized;
  }

  /** A list of codes (a filter), each known; undefined when the filter is absent. */
  knownCodes(codes: readonly string[] | null | undefined, field: string): string[] | undefined {
    if (codes == null) return undefined;
    if (codes.length > MAX_CODES) {
      throw badUserInput(field, `At most ${MAX_CODES} country codes, got ${codes.length}.`);
    }
    return [...new Set(codes.map((code, i) => this.knownCode(code, `${field}[${i}]`)))];
  }

  /** The message, with the code meant by "UK", "GBR" or "Britain" if it was read at start-up. */
  private withHint(message: string, input: string): string {
    return withCountryHint(message, input, (code) => this.byCode.has(code));
  }

  async byCodes(codes: readonly string[]): Promise<Country[]> {
    const rows = await this.sql.rows(
      `SELECT ${COUNTRY_COLUMNS} FROM country c WHERE c.code = ANY($1::text[])`,
      [codes],
    );
    return rows.map((row) => hydrate(Country, row));
  }

  list(region: string | null | undefined, args: PageArgs): Promise<Page<Country>> {
    return this.table.page(region, COUNTRY_ORDER, pageWindow(args, COUNTRY_ORDER));
  }

  count(region: string | null | undefined): Promise<number> {
    return this.table.count(region);
  }
}

function regionCondition(region: string | null | undefined, params: SqlParams): string[] {
  if (region == null) return [];
  const value = searchText(region, 'region', 100);
  return [`lower(c.region) = lower(${params.add(value, 'text')})`];
}
