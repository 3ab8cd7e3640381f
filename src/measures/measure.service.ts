import { type PageArgs, pageWindow } from '../common/connection';
import { badUserInput } from '../common/errors';
import { decodeIntId } from '../common/global-id';
import { groupByParent, hydrate } from '../common/loaders';
import { searchText } from '../common/validation';
import { OrderDirection } from '../common/ordering';
import type { CountryService } from '../countries/country.service';
import {
  type KeysetColumn,
  type KeysetOrder,
  type KeyValue,
  type Page,
  type PageWindow,
  SqlParams,
} from '../database/keyset';
import { KeysetTable, type ParentLink } from '../database/keyset-table';
import type { Sql } from '../database/sql';
import { addedSeq, type ChangeAction, changesMatching } from '../live/change-log';
import type { OfficialService } from '../officials/official.service';
import { STATEMENT_MEASURE_TABLE } from '../statements/statement.columns';
import { MEASURE_TABLE, MEASURE_TARGET_TABLE } from './measure.columns';
import { Measure } from './measure.entity';
import { type MeasureKind, MeasureOrderField, type MeasureStatus } from './measure.enums';
import type { MeasureFilter, MeasureOrder } from './measure.inputs';

/** The measure column map, short: `M.column('announcedOn')` writes `m.announced_on`. */
const M = MEASURE_TABLE;
const MT = MEASURE_TARGET_TABLE;
const SM = STATEMENT_MEASURE_TABLE;

const ORDER_COLUMNS: Record<MeasureOrderField, KeysetColumn<Measure>> = {
  [MeasureOrderField.ANNOUNCED_ON]: {
    sql: M.column('announcedOn'),
    type: 'date',
    value: (m) => m.announcedOn,
  },
  [MeasureOrderField.CREATED_AT]: {
    sql: M.column('createdAt'),
    type: 'timestamptz',
    value: (m) => m.createdAt.toISOString(),
  },
  [MeasureOrderField.TARGET_COUNT]: {
    sql: M.column('targetCount'),
    type: 'int',
    value: (m) => m.targetCount,
  },
};

const ID_COLUMN: KeysetColumn<Measure> = { sql: M.column('id'), type: 'int', value: (m) => m.id };

/** Measure.responses and Statement.measures: oldest first. */
const OLDEST_FIRST = `ORDER BY ${M.column('announcedOn')}, ${M.column('id')}`;

const ORDERS = new Map<string, KeysetOrder<Measure>>();
for (const field of Object.values(MeasureOrderField)) {
  for (const direction of Object.values(OrderDirection)) {
    // The cursor names the field, not the direction: a position in the order is valid both ways.
    ORDERS.set(`${field} ${direction}`, {
      id: `measure:${field}`,
      direction,
      columns: [ORDER_COLUMNS[field], ID_COLUMN],
    });
  }
}

/** The lists of measures that hang off another object. */
export type MeasureParent = 'imposedBy' | 'targetCountry' | 'targetOfficial';

export const MEASURE_PARENTS: Record<MeasureParent, ParentLink> = {
  imposedBy: { column: M.column('imposedByCode'), keyType: 'text[]' },
  targetCountry: { column: M.column('targetCountryCode'), keyType: 'text[]' },
  targetOfficial: {
    from: `${MT.from} JOIN ${M.from} ON ${M.column('id')} = ${MT.column('measureId')}`,
    column: MT.column('officialId'),
    keyType: 'int4[]',
    countFrom: MT.from,
  },
};

export interface NormalizedMeasureFilter {
  imposedBy?: string[];
  targetCountry?: string[];
  kind?: MeasureKind[];
  status?: MeasureStatus[];
  announcedFrom?: string;
  announcedTo?: string;
  targetsOfficial?: number;
  text?: string;
}

/** A validated measures list request; `key` identifies it for loader batching. */
export interface MeasureListQuery {
  key: string;
  orderId: string;
  filter: NormalizedMeasureFilter;
  order: KeysetOrder<Measure>;
  window: PageWindow;
}

const MAX_TEXT_LENGTH = 200;

export class MeasureService {
  private readonly table: KeysetTable<Measure, NormalizedMeasureFilter>;

  constructor(
    private readonly sql: Sql,
    private readonly countries: CountryService,
    private readonly officials: OfficialService,
  ) {
    this.table = new KeysetTable(sql, {
      select: M.selectAll,
      from: M.from,
      conditions: measureConditions,
      toRow: (raw) => hydrate(Measure, raw),
    });
  }

  decodeId(id: string, field = 'id'): number {
    return decodeIntId(id, 'Measure', field);
  }

  /** Validates filter, order and cursor arguments; every error names its argument. */
  prepareList(
    filter: MeasureFilter | null | undefined,
    orderBy: MeasureOrder | null | undefined,
    page: PageArgs,
  ): MeasureListQuery {
    const normalized = this.normalizeFilter(filter);
    const order = ORDERS.get(
      `${orderBy?.field ?? MeasureOrderField.ANNOUNCED_ON} ${orderBy?.direction ?? OrderDirection.DESC}`,
    )!;
    const window = pageWindow(page, order);
    return {
      key: JSON.stringify([normalized, order.id, order.direction, window]),
      orderId: order.id,
      filter: normalized,
      order,
      window,
    };
  }

  normalizeFilter(filter: MeasureFilter | null | undefined): NormalizedMeasureFilter {
    const normalized: NormalizedMeasureFilter = {};
    if (!filter) return normalized;
    normalized.imposedBy = this.countries.knownCodes(filter.imposedBy, 'filter.imposedBy');
    normalized.targetCountry = this.countries.knownCodes(
      filter.targetCountry,
      'filter.targetCountry',
    );
    if (filter.kind != null) normalized.kind = [...new Set(filter.kind)];
    if (filter.status != null) normalized.status = [...new Set(filter.status)];
    if (filter.announcedFrom != null) normalized.announcedFrom = filter.announcedFrom;
    if (filter.announcedTo != null) normalized.announcedTo = filter.announcedTo;
    if (
      normalized.announcedFrom &&
      normalized.announcedTo &&
      normalized.announcedTo < normalized.announcedFrom
    ) {
      throw badUserInput('filter.announcedTo', 'announcedTo is before announcedFrom.');
    }
    if (filter.targetsOfficial != null) {
      normalized.targetsOfficial = this.officials.decodeId(
        filter.targetsOfficial,
        'filter.targetsOfficial',
      );
    }
    if (filter.text != null) {
      const text = searchText(filter.text, 'filter.text', MAX_TEXT_LENGTH);
      if (text) normalized.text = text;
    }
    for (const key of Object.keys(normalized) as (keyof NormalizedMeasureFilter)[]) {
      if (normalized[key] === undefined) delete normalized[key];
    }
    return normalized;
  }

  async byIds(ids: readonly number[]): Promise<Measure[]> {
    const rows = await this.sql.rows(
      `SELECT ${M.selectAll} FROM ${M.from} WHERE ${M.column('id')} = ANY($1::int4[])`,
      [ids],
    );
    return rows.map((row) => hydrate(Measure, row));
  }

  list(query: MeasureListQuery): Promise<Page<Measure>> {
    return this.table.page(query.filter, query.order, query.window);
  }

  count(filter: NormalizedMeasureFilter): Promise<number> {
    return this.table.count(filter);
  }

  /** One page of measures for each parent (country or official), in one statement. */
  pagesPerParent(
    parent: MeasureParent,
    keys: readonly KeyValue[],
    query: MeasureListQuery,
  ): Promise<Page<Measure>[]> {
    return this.table.pagesPerParent(
      MEASURE_PARENTS[parent],
      keys,
      query.filter,
      query.order,
      query.window,
    );
  }

  countsPerParent(
    parent: MeasureParent,
    keys: readonly KeyValue[],
    filter: NormalizedMeasureFilter,
  ): Promise<number[]> {
    return this.table.countsPerParent(MEASURE_PARENTS[parent], keys, filter);
  }

  /** Measure.responses: the measures answering each of `ids`, oldest first. */
  async responsesTo(ids: readonly number[]): Promise<Measure[][]> {
    const rows = await this.sql.rows<Measure & { parentKey: number }>(
      `SELECT ${M.column('inResponseToId')} AS "parentKey", ${M.selectAll} FROM ${M.from}
       WHERE ${M.column('inResponseToId')} = ANY($1::int4[]) ${OLDEST_FIRST}`,
      [ids],
    );
    return groupByParent(
      ids,
      rows.map((row) => hydrate(Measure, row)),
    );
  }

  /** Statement.measures: the measures each statement announces or justifies. */
  async ofStatements(statementIds: readonly number[]): Promise<Measure[][]> {
    const rows = await this.sql.rows<Measure & { parentKey: number }>(
      `SELECT ${SM.column('statementId')} AS "parentKey", ${M.selectAll}
       FROM ${SM.from} JOIN ${M.from} ON ${M.column('id')} = ${SM.column('measureId')}
       WHERE ${SM.column('statementId')} = ANY($1::int4[]) ${OLDEST_FIRST}`,
      [statementIds],
    );
    return groupByParent(
      statementIds,
      rows.map((row) => hydrate(Measure, row)),
    );
  }

  /** The ids among `ids` that `filter` matches, by the same SQL as the measures query. */
  async matchingIds(ids: readonly number[], filter: NormalizedMeasureFilter): Promise<Set<number>> {
    const params = new SqlParams();
    const idsParam = params.add(ids, 'int4[]');
    const where = [`${M.column('id')} = ANY(${idsParam})`, ...measureConditions(filter, params)];
    const rows = await this.sql.rows<{ id: number }>(
      `SELECT ${M.column('id')} FROM ${M.from} WHERE ${where.join(' AND ')}`,
      params.values,
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * For each of many filters, the ids among `ids` matching its text and named-official
   * conditions (those only SQL can check), in one statement whatever the number of filters: the
   * live feed matches every subscription's filter against each batch of changes, and one
   * statement per distinct filter, run one after another, let clients choose how much work
   * every write costs.
   */
  async matchingTextAndTargets(
    ids: readonly number[],
    filters: readonly Pick<NormalizedMeasureFilter, 'text' | 'targetsOfficial'>[],
  ): Promise<Set<number>[]> {
    const rows = await this.sql.rows<{ i: string; id: number }>(
      `SELECT q.i, ${M.column('id')}
       FROM unnest($1::text[], $2::int4[]) WITH ORDINALITY AS q(text, official, i)
       JOIN ${M.from} ON ${M.column('id')} = ANY($3::int4[])
       WHERE (q.text IS NULL OR ${textCondition('q.text')})
         AND (q.official IS NULL OR ${targetsOfficialCondition('q.official')})`,
      [
        filters.map((filter) => filter.text ?? null),
        filters.map((filter) => filter.targetsOfficial ?? null),
        ids,
      ],
    );
    const matched = filters.map(() => new Set<number>());
    for (const row of rows) matched[Number(row.i) - 1]!.add(row.id);
    return matched;
  }

  /** Change-log rows of measures matching `filter`, after < seq <= upTo, in commit order. */
  changesMatching(
    filter: NormalizedMeasureFilter,
    actions: readonly ChangeAction[],
    after: number,
    upTo: number,
    limit: number,
  ): Promise<{ seq: number; id: number }[]> {
    const conditions = (params: SqlParams) => measureConditions(filter, params);
    const query = { entity: 'Measure' as const, actions, from: M.from, conditions };
    return changesMatching(this.sql, query, after, upTo, limit);
  }

  /** The change-log position of a measure's creation: where `since` resumes from. */
  addedSeq(id: number): Promise<number | undefined> {
    return addedSeq(this.sql, 'Measure', id);
  }
}

/** The measures filter as SQL; the live feed matches with these same conditions. */
export function measureConditions(filter: NormalizedMeasureFilter, params: SqlParams): string[] {
  const c: string[] = [];
  if (filter.imposedBy)
    c.push(`${M.column('imposedByCode')} = ANY(${params.add(filter.imposedBy, 'text[]')})`);
  if (filter.targetCountry) {
    c.push(`${M.column('targetCountryCode')} = ANY(${params.add(filter.targetCountry, 'text[]')})`);
  }
  if (filter.kind) c.push(`${M.column('kind')} = ANY(${params.add(filter.kind, 'text[]')})`);
  if (filter.status) c.push(`${M.column('status')} = ANY(${params.add(filter.status, 'text[]')})`);
  const announcedOn = M.column('announcedOn');
  if (filter.announcedFrom) c.push(`${announcedOn} >= ${params.add(filter.announcedFrom, 'date')}`);
  if (filter.announcedTo) c.push(`${announcedOn} <= ${params.add(filter.announcedTo, 'date')}`);
  if (filter.targetsOfficial !== undefined) {
    c.push(targetsOfficialCondition(params.add(filter.targetsOfficial, 'int4')));
  }
  if (filter.text) c.push(textCondition(params.add(filter.text, 'text')));
  return c;
}

/** `filter.text` on measure m: the one definition of the measures' full-text match. */
function textCondition(text: string): string {
  // search: a generated tsvector over title and summary, not a property of Measure.
  return `${M.alias}.search @@ websearch_to_tsquery('english', ${text})`;
}

/** `filter.targetsOfficial` on measure m. */
function targetsOfficialCondition(official: string): string {
  // Its own alias (f): the list may already join measure_target as mt (targetOfficial).
  return `EXISTS (SELECT 1 FROM ${MT.table} f WHERE ${MT.column('measureId', 'f')} = ${M.column('id')} AND ${MT.column('officialId', 'f')} = ${official})`;
}
