import { type PageArgs, pageWindow } from '../common/connection';
import { decodeIntId } from '../common/global-id';
import { hydrate } from '../common/loaders';
import { searchText } from '../common/validation';
import type { CountryService } from '../countries/country.service';
import type { KeysetOrder, Page, PageWindow, SqlParams } from '../database/keyset';
import { KeysetTable, type ParentLink } from '../database/keyset-table';
import type { Sql } from '../database/sql';
import type { OfficialCategory } from './official-category';
import { Official } from './official.entity';
import type { OfficialFilter } from './official.inputs';

/**
 * What the API shows of an official. Not their createdAt/updatedAt, which only the audit trail
 * reads: parsing two timestamps per row was a tenth of the CPU of a page of measures with targets.
 */
export const OFFICIAL_COLUMNS = `o.id, o.name, o.native_name AS "nativeName", o.aliases, o.country_code AS "countryCode",
  o.position, o.category, o.wikidata_id AS "wikidataId"`;

const BY_NAME: KeysetOrder<Official> = {
  id: 'official:NAME',
  direction: 'ASC',
  columns: [
    { sql: 'o.name', type: 'text', value: (o) => o.name },
    { sql: 'o.id', type: 'int', value: (o) => o.id },
  ],
};

export type TargetRow = Official & { targetPosition: number };

/** A measure's named targets keep the order in which they were recorded. */
export const BY_TARGET_POSITION: KeysetOrder<TargetRow> = {
  id: 'target:POSITION',
  direction: 'ASC',
  columns: [{ sql: 'mt.position', type: 'int', value: (o) => o.targetPosition }],
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
const OF_COUNTRY: ParentLink = { column: 'o.country_code', keyType: 'text[]' };

/** Measure.targets: through the link table, which gives their recorded position. */
export const TARGETS_OF_MEASURE: ParentLink = {
  column: 'mt.measure_id',
  keyType: 'int4[]',
  from: 'measure_target mt JOIN official o ON o.id = mt.official_id',
  select: 'mt.position AS "targetPosition"',
  countFrom: 'measure_target mt',
};

export class OfficialService {
  private readonly table: KeysetTable<Official, NormalizedOfficialFilter>;

  constructor(
    private readonly sql: Sql,
    private readonly countries: CountryService,
  ) {
    this.table = new KeysetTable(sql, {
      select: OFFICIAL_COLUMNS,
      from: 'official o',
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
      `SELECT ${OFFICIAL_COLUMNS} FROM official o WHERE o.id = ANY($1::int4[])`,
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
    conditions.push(`o.country_code = ANY(${params.add(filter.country, 'text[]')})`);
  if (filter.category)
    conditions.push(`o.category = ANY(${params.add(filter.category, 'text[]')})`);
  if (filter.name) {
    // LIKE's wildcards are escaped after folding: the fold maps fullwidth ％ ＿ ＼ to % _ \.
    const term = `retorsion_fold(${params.add(filter.name, 'text')})`;
    conditions.push(`o.search_text LIKE '%' || ${escapeLike(term)} || '%'`);
  }
  return conditions;
}

/** SQL for `text` (an SQL expression) with LIKE's wildcards and escape character escaped. */
function escapeLike(text: string): string {
  return String.raw`regexp_replace(${text}, '([\\%_])', '\\\1', 'g')`;
}
