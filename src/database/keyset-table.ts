import {
  type CountedRow,
  countPerParentSql,
  countSql,
  countsInOrder,
  keysetPerParentSql,
  keysetSql,
  type KeysetOrder,
  type KeyValue,
  type Page,
  type PageWindow,
  SqlParams,
  toPage,
  toPagesByParent,
  uncount,
} from './keyset';
import type { Sql } from './sql';

/** What a feature says about a table it pages through; the SQL is built from it here. */
export interface TableSpec<Row, Filter> {
  /** Columns, aliased to the row's property names. */
  select: string;
  from: string;
  /** The filter as conditions; values go through `params`, never into the text. */
  conditions(filter: Filter, params: SqlParams): string[];
  toRow(raw: Record<string, unknown>): Row;
}

/** How a list hangs off its parents: the key column and the SQL type of an array of keys. */
export interface ParentLink {
  column: string;
  keyType: 'text[]' | 'int4[]';
  /** When the parent is reached through a link table. */
  from?: string;
  /** Extra columns the link provides (e.g. a position to order by). */
  select?: string;
  /** The link table alone, enough to count a parent's rows when no filter needs the joined table. */
  countFrom?: string;
}

/**
 * Where the rows of one parent are counted: the link table alone when it can say (no filter
 * condition needs the table it joins), else the list's own FROM.
 */
export function countFromOf(link: ParentLink, from: string, where: readonly string[]): string {
  return where.length === 0 && link.countFrom ? link.countFrom : (link.from ?? from);
}

/**
 * One table read in keyset pages: a list, the same list under many parents in one statement,
 * and their counts. Every list of the read API goes through here.
 */
export class KeysetTable<Row, Filter> {
  constructor(
    private readonly sql: Sql,
    private readonly spec: TableSpec<Row, Filter>,
  ) {}

  async page(filter: Filter, order: KeysetOrder<Row>, window: PageWindow): Promise<Page<Row>> {
    const params = new SqlParams();
    const where = this.spec.conditions(filter, params);
    const text = keysetSql({
      select: this.spec.select,
      from: this.spec.from,
      where,
      params,
      order,
      window,
    });
    const raws = await this.sql.rows<Record<string, unknown> & CountedRow>(text, params.values);
    if (!window.withCount) return toPage(raws.map(this.spec.toRow), order, window);
    const { rows, totals } = uncount(raws);
    return toPage(rows.map(this.spec.toRow), order, window, totals.get(undefined) ?? 0);
  }

  async count(filter: Filter): Promise<number> {
    const params = new SqlParams();
    const [row] = await this.sql.rows<{ count: number }>(
      countSql(this.spec.from, this.spec.conditions(filter, params)),
      params.values,
    );
    return row!.count;
  }

  /** A page for each parent key, in one statement (LATERAL, see keyset.ts). */
  async pagesPerParent<R extends Row = Row>(
    link: ParentLink,
    keys: readonly KeyValue[],
    filter: Filter,
    order: KeysetOrder<R>,
    window: PageWindow,
  ): Promise<Page<R>[]> {
    const params = new SqlParams();
    const keysParam = params.add(keys, link.keyType);
    const select = link.select ? `${this.spec.select}, ${link.select}` : this.spec.select;
    const where = this.spec.conditions(filter, params);
    const text = keysetPerParentSql(
      { select, from: link.from ?? this.spec.from, where, params, order, window },
      { column: link.column, keys: keysParam, countFrom: countFromOf(link, this.spec.from, where) },
    );
    type Raw = Record<string, unknown> & { parentKey: KeyValue };
    const raws = await this.sql.rows<Raw & CountedRow>(text, params.values);
    const toRow = (raw: Raw) => this.spec.toRow(raw) as R & { parentKey: KeyValue };
    if (!window.withCount) return toPagesByParent(keys, raws.map(toRow), order, window);
    const { rows, totals } = uncount(raws);
    return toPagesByParent(keys, rows.map(toRow), order, window, totals);
  }

  async countsPerParent(
    link: ParentLink,
    keys: readonly KeyValue[],
    filter: Filter,
  ): Promise<number[]> {
    const params = new SqlParams();
    const keysParam = params.add(keys, link.keyType);
    const where = this.spec.conditions(filter, params);
    const text = countPerParentSql(countFromOf(link, this.spec.from, where), where, {
      column: link.column,
      keys: keysParam,
    });
    return countsInOrder(keys, await this.sql.rows(text, params.values));
  }
}
