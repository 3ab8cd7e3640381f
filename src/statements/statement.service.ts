import { type PageArgs, pageWindow } from '../common/connection';
import { badUserInput } from '../common/errors';
import { decodeIntId } from '../common/global-id';
import { groupByParent, hydrate } from '../common/loaders';
import type { CountryService } from '../countries/country.service';
import type { KeysetOrder, KeyValue, Page, PageWindow, SqlParams } from '../database/keyset';
import { KeysetTable, type ParentLink } from '../database/keyset-table';
import type { Sql } from '../database/sql';
import { addedSeq, changesMatching } from '../live/change-log';
import { STATEMENT_MEASURE_TABLE, STATEMENT_TABLE } from './statement.columns';
import { Statement } from './statement.entity';

/** The statement column map, short: `S.column('issuedOn')` writes `s.issued_on`. */
const S = STATEMENT_TABLE;
const SM = STATEMENT_MEASURE_TABLE;

/** Newest first. */
const BY_ISSUED_ON: KeysetOrder<Statement> = {
  id: 'statement:ISSUED_ON',
  direction: 'DESC',
  columns: [
    { sql: S.column('issuedOn'), type: 'date', value: (s) => s.issuedOn },
    { sql: S.column('id'), type: 'int', value: (s) => s.id },
  ],
};

export type StatementParent = 'country' | 'speaker';

const PARENTS: Record<StatementParent, ParentLink> = {
  country: { column: S.column('countryCode'), keyType: 'text[]' },
  speaker: { column: S.column('speakerId'), keyType: 'int4[]' },
};

export interface NormalizedStatementFilter {
  country?: string[];
  from?: string;
  to?: string;
}

export interface StatementListQuery {
  key: string;
  orderId: string;
  filter: NormalizedStatementFilter;
  window: PageWindow;
}

export class StatementService {
  private readonly table: KeysetTable<Statement, NormalizedStatementFilter>;

  constructor(
    private readonly sql: Sql,
    private readonly countries: CountryService,
  ) {
    this.table = new KeysetTable(sql, {
      select: S.selectAll,
      from: S.from,
      conditions: statementConditions,
      toRow: (raw) => hydrate(Statement, raw),
    });
  }

  decodeId(id: string, field = 'id'): number {
    return decodeIntId(id, 'Statement', field);
  }

  prepareList(
    filter: { country?: string[] | null; from?: string | null; to?: string | null },
    page: PageArgs,
  ): StatementListQuery {
    const normalized: NormalizedStatementFilter = {};
    const country = this.countries.knownCodes(filter.country, 'country');
    if (country) normalized.country = country;
    if (filter.from != null) normalized.from = filter.from;
    if (filter.to != null) normalized.to = filter.to;
    if (normalized.from && normalized.to && normalized.to < normalized.from) {
      throw badUserInput('to', '"to" is before "from".');
    }
    const window = pageWindow(page, BY_ISSUED_ON);
    return {
      key: JSON.stringify([normalized, window]),
      orderId: BY_ISSUED_ON.id,
      filter: normalized,
      window,
    };
  }

  async byIds(ids: readonly number[]): Promise<Statement[]> {
    const rows = await this.sql.rows(
      `SELECT ${S.selectAll} FROM ${S.from} WHERE ${S.column('id')} = ANY($1::int4[])`,
      [ids],
    );
    return rows.map((row) => hydrate(Statement, row));
  }

  list(query: StatementListQuery): Promise<Page<Statement>> {
    return this.table.page(query.filter, BY_ISSUED_ON, query.window);
  }

  count(filter: NormalizedStatementFilter): Promise<number> {
    return this.table.count(filter);
  }

  pagesPerParent(
    parent: StatementParent,
    keys: readonly KeyValue[],
    query: StatementListQuery,
  ): Promise<Page<Statement>[]> {
    return this.table.pagesPerParent(
      PARENTS[parent],
      keys,
      query.filter,
      BY_ISSUED_ON,
      query.window,
    );
  }

  countsPerParent(
    parent: StatementParent,
    keys: readonly KeyValue[],
    filter: NormalizedStatementFilter,
  ): Promise<number[]> {
    return this.table.countsPerParent(PARENTS[parent], keys, filter);
  }

  /** Measure.statements: the statements announcing or justifying each measure, oldest first. */
  async ofMeasures(measureIds: readonly number[]): Promise<Statement[][]> {
    const rows = await this.sql.rows<Statement & { parentKey: number }>(
      `SELECT ${SM.column('measureId')} AS "parentKey", ${S.selectAll}
       FROM ${SM.from} JOIN ${S.from} ON ${S.column('id')} = ${SM.column('statementId')}
       WHERE ${SM.column('measureId')} = ANY($1::int4[]) ORDER BY ${S.column('issuedOn')}, ${S.column('id')}`,
      [measureIds],
    );
    return groupByParent(
      measureIds,
      rows.map((row) => hydrate(Statement, row)),
    );
  }

  /** Change-log rows of statements added in `countries` (all if undefined), after < seq <= upTo. */
  addedChanges(
    countries: string[] | undefined,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<{ seq: number; id: number }[]> {
    const conditions = (params: SqlParams) => statementConditions({ country: countries }, params);
    const query = {
      entity: 'Statement' as const,
      actions: ['added' as const],
      from: S.from,
      conditions,
    };
    return changesMatching(this.sql, query, after, upTo, limit);
  }

  /** The change-log position of a statement's creation: where `since` resumes from. */
  addedSeq(id: number): Promise<number | undefined> {
    return addedSeq(this.sql, 'Statement', id);
  }
}

function statementConditions(filter: NormalizedStatementFilter, params: SqlParams): string[] {
  const c: string[] = [];
  const issuedOn = S.column('issuedOn');
  if (filter.country)
    c.push(`${S.column('countryCode')} = ANY(${params.add(filter.country, 'text[]')})`);
  if (filter.from) c.push(`${issuedOn} >= ${params.add(filter.from, 'date')}`);
  if (filter.to) c.push(`${issuedOn} <= ${params.add(filter.to, 'date')}`);
  return c;
}
