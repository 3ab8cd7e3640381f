import { type PageArgs, pageWindow } from '../common/connection';
import { decodeIntId } from '../common/global-id';
import { hydrate } from '../common/loaders';
import { searchText } from '../common/validation';
import type { CountryService } from '../countries/country.service';
import type { KeysetOrder, Page, PageWindow, SqlParams } from '../database/keyset';
import { KeysetTable, type ParentLink } from '../database/keyset-table';
import type { Sql } from '../database/sql';
import { MEASURE_TARGET_TABLE } from '../measures/measure.columns';
import type { OfficialCategory } from './official-category';
import { OFFICIAL_COLUMNS, OFFICIAL_TABLE } from './official.columns';
import { Official } from './official.entity';
import type { OfficialFilter } from './official.inputs';

/** The official column map, short: `O.column('countryCode')` writes `o.country_code`. */
const O = OFFICIAL_TABLE;
const MT = MEASURE_TARGET_TABLE;

const BY_NAME: KeysetOrder<Official> = {
  id: 'official:NAME',
  direction: 'ASC',
  columns: [
    { sql: O.column('name'), type: 'text', value: (o) => o.name },
    { sql: O.column('id'), type: 'int', value: (o) => o.id },
  ],
};

export type TargetRow = Official & { targetPosition: number };

/** A measure's named targets keep the order in which they were recorded. */
export const BY_TARGET_POSITION: KeysetOrder<TargetRow> = {
  id: 'target:POSITION',
  direction: 'ASC',
  columns: [{ sql: MT.column('position'), type: 'int', value: (o) => o.targetPosition }],
};

interface NormalizedOfficialFilter {
  country?: string[];
  category?: OfficialCategory[];
  name?: string;
}

/** A validated officials list request; `key` identifies it for loader batching. */
export interface OfficialListQuery {
  key: string;
  orderId: string;
  filter: NormalizedOfficialFilter;
  window: PageWindow;
}

const MAX_NAME_LENGTH = 200;

/** Country.officials */
const OF_COUNTRY: ParentLink = { column: O.column('countryCode'), keyType: 'text[]' };

/** Measure.targets: through the link table, which gives their recorded position. */
export const TARGETS_OF_MEASURE: ParentLink = {
  column: MT.column('measureId'),
  keyType: 'int4[]',
  from: `${MT.from} JOIN ${O.from} ON ${O.column('id')} = ${MT.column('officialId')}`,
  select: `${MT.column('position')} AS "targetPosition"`,
  countFrom: MT.from,
};

export class OfficialService {
  private readonly table: KeysetTable<Official, NormalizedOfficialFilter>;

  constructor(
    private readonly sql: Sql,
    private readonly countries: CountryService,
  ) {
    this.table = new KeysetTable(sql, {
      select: OFFICIAL_COLUMNS,
      from: O.from,
      conditions: officialConditions,
      toRow: (raw) => hydrate(Official, raw),
    });
  }

  /** Decodes an Official ID argument (BAD_USER_INPUT naming `field` if malformed). */
  decodeId(id: string, field = 'id'): number {
    return decodeIntId(id, 'Official', field);
  }

  prepareList(filter: OfficialFilter | null | undefined, page: PageArgs): OfficialListQuery {
    const normalized: NormalizedOfficialFilter = {};
    if (filter?.country != null) {
      normalized.country = this.countries.knownCodes(filter.country, 'filter.country');
    }
    if (filter?.category != null) normalized.category = [...new Set(filter.category)];
    if (filter?.name != null) {
      const name = searchText(filter.name, 'filter.name', MAX_NAME_LENGTH);
      if (name) normalized.name = name;
    }
    const window = pageWindow(page, BY_NAME);
    return {
      key: JSON.stringify([normalized, window]),
      orderId: BY_NAME.id,
      filter: normalized,
      window,
    };
  }

  async byIds(ids: readonly number[]): Promise<Official[]> {
    const rows = await this.sql.rows(
      `SELECT ${OFFICIAL_COLUMNS} FROM ${O.from} WHERE ${O.column('id')} = ANY($1::int4[])`,
      [ids],
    );
    return rows.map((row) => hydrate(Official, row));
  }

  list(query: OfficialListQuery): Promise<Page<Official>> {
    return this.table.page(query.filter, BY_NAME, query.window);
  }

  count(filter: NormalizedOfficialFilter): Promise<number> {
    return this.table.count(filter);
  }

  /** Country.officials for many countries in one statement. */
  pagesPerCountry(codes: readonly string[], query: OfficialListQuery): Promise<Page<Official>[]> {
    return this.table.pagesPerParent(OF_COUNTRY, codes, query.filter, BY_NAME, query.window);
  }

  countsPerCountry(codes: readonly string[], filter: NormalizedOfficialFilter): Promise<number[]> {
    return this.table.countsPerParent(OF_COUNTRY, codes, filter);
  }

  /** Validates Measure.targets' cursor arguments. */
  targetsWindow(page: PageArgs): PageWindow {
    return pageWindow(page, BY_TARGET_POSITION);
  }

  get targetsOrderId(): string {
    return BY_TARGET_POSITION.id;
  }

  /** Measure.targets for many measures in one statement, in recorded order. */
  targetPagesPerMeasure(
    measureIds: readonly number[],
    window: PageWindow,
  ): Promise<Page<Official>[]> {
    return this.table.pagesPerParent<TargetRow>(
      TARGETS_OF_MEASURE,
      measureIds,
      {},
      BY_TARGET_POSITION,
      window,
    );
  }

  targetCountsPerMeasure(measureIds: readonly number[]): Promise<number[]> {
    return this.table.countsPerParent(TARGETS_OF_MEASURE, measureIds, {});
  }
}

function officialConditions(filter: NormalizedOfficialFilter, params: SqlParams): string[] {
  const conditions: string[] = [];
  if (filter.country)
    conditions.push(`${O.column('countryCode')} = ANY(${params.add(filter.country, 'text[]')})`);
  if (filter.category)
    conditions.push(`${O.column('category')} = ANY(${params.add(filter.category, 'text[]')})`);
  if (filter.name) {
    // LIKE's wildcards are escaped after folding: the fold maps fullwidth ％ ＿ ＼ to % _ \.
    const term = `retorsion_fold(${params.add(filter.name, 'text')})`;
    // search_text: generated from the names (migrations), not a property of Official.
    conditions.push(`${O.alias}.search_text LIKE '%' || ${escapeLike(term)} || '%'`);
  }
  return conditions;
}

/** SQL for `text` (an SQL expression) with LIKE's wildcards and escape character escaped. */
function escapeLike(text: string): string {
  return String.raw`regexp_replace(${text}, '([\\%_])', '\\\1', 'g')`;
}
