import { groupByParent } from '../common/loaders';
/**
 * Keyset ("seek") pagination in SQL. A page is `WHERE (order columns) < (cursor key)
 * ORDER BY ... LIMIT n+1`: an index range scan whatever the page number, unlike OFFSET. The last
 * order column is always a unique id, so the order is total and a cursor never skips or repeats.
 */

export type KeyType = 'int' | 'date' | 'text' | 'timestamptz';
export type KeyValue = string | number;
export type Key = KeyValue[];

export interface KeysetColumn<Row> {
  /** SQL expression of the column, e.g. `m.announced_on`. */
  sql: string;
  type: KeyType;
  /** The column's value in a selected row, as it goes into a cursor. */
  value(row: Row): KeyValue;
}

export interface KeysetOrder<Row> {
  /** Written into cursors, so a cursor from another ordering is rejected instead of misread. */
  id: string;
  direction: 'ASC' | 'DESC';
  columns: KeysetColumn<Row>[];
}

/** What a client asked for, validated: `limit` items after/before the cursor keys. */
export interface PageWindow {
  limit: number;
  /** Paging with last/before: read the order backwards, then restore it. */
  backward: boolean;
  after?: Key;
  before?: Key;
  /**
   * Count the whole list in the same statement (the client selected totalCount): one round trip
   * instead of two. Set by the resolver; a page read without it is counted on demand.
   */
  withCount?: boolean;
}

export interface Page<Row> {
  items: Row[];
  keys: Key[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** The size of the whole list, when known without another statement. */
  totalCount?: number;
}

/**
 * Columns a counted page adds to its rows (see countedSql). They stay on the row objects (copying
 * each row without them cost more than the rest of the split); no field reads them.
 */
export interface CountedRow {
  __total: number;
  /** null on the one row that stands for an empty page */
  __row: boolean | null;
}

/** Collects positional parameters while SQL text is assembled. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return cast ? `$${this.values.length}::${cast}` : `$${this.values.length}`;
  }
}

const CAST: Record<KeyType, string> = {
  int: 'int4',
  date: 'date',
  text: 'text',
  timestamptz: 'timestamptz',
};

export interface KeysetQuery<Row> {
  select: string;
  from: string;
  where: string[];
  params: SqlParams;
  order: KeysetOrder<Row>;
  window: PageWindow;
}

function seekConditions<Row>(query: KeysetQuery<Row>): string[] {
  const { order, window, params } = query;
  const columns = `(${order.columns.map((c) => c.sql).join(', ')})`;
  const key = (values: Key) =>
    `(${values.map((v, i) => params.add(v, CAST[order.columns[i]!.type])).join(', ')})`;
  const conditions: string[] = [];
  const forwardOp = order.direction === 'ASC' ? '>' : '<';
  const backwardOp = order.direction === 'ASC' ? '<' : '>';
  if (window.after) conditions.push(`${columns} ${forwardOp} ${key(window.after)}`);
  if (window.before) conditions.push(`${columns} ${backwardOp} ${key(window.before)}`);
  return conditions;
}

function orderAndLimit<Row>(query: KeysetQuery<Row>): string {
  const { order, window } = query;
  const reversed = window.backward !== (order.direction === 'DESC');
  const direction = reversed ? 'DESC' : 'ASC';
  const orderBy = order.columns.map((c) => `${c.sql} ${direction}`).join(', ');
  // One row more than asked tells whether another page follows.
  return `ORDER BY ${orderBy} LIMIT ${window.limit + 1}`;
}

function whereClause(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

/** One page of one list. */
export function keysetSql<Row>(query: KeysetQuery<Row>): string {
  const page = pageSql(query, []);
  if (!query.window.withCount) return page;
  return `SELECT ${countedColumns} FROM (${countSql(query.from, query.where)}) AS c ${pageJoin(page)}`;
}

/**
 * The page's statement: the filter, `extra` conditions, the cursor's, order and limit (one row
 * more than asked). The read planner nests it in the statement it builds.
 */
export function pageSql<Row>(query: KeysetQuery<Row>, extra: string[]): string {
  const conditions = [...extra, ...query.where, ...seekConditions(query)];
  const select = query.window.withCount ? `true AS "__row", ${query.select}` : query.select;
  return `SELECT ${select} FROM ${query.from} ${whereClause(conditions)} ${orderAndLimit(query)}`;
}

/**
 * A page with its list's count in one statement: the count (one row, `c`) LEFT JOIN LATERAL the
 * page, so every row carries `__total` and an empty page still gives one row, with `__row` null.
 * The filter's conditions appear twice but reuse the same parameters.
 */
const countedColumns = 'c.count AS "__total", t.*';
const pageJoin = (page: string) => `LEFT JOIN LATERAL (${page}) AS t ON true`;

/**
 * One page of the list of each parent, in one statement: for each key in `parentKeys`, a LATERAL
 * subquery walks the index from that parent. Rows carry the parent's key as `parentKey`.
 * (A window function over all parents would read every row of every parent first.)
 */
export function keysetPerParentSql<Row>(
  query: KeysetQuery<Row>,
  parent: { column: string; keys: string; countFrom?: string },
): string {
  const ofParent = `${parent.column} = p.key`;
  const page = pageSql(query, [ofParent]);
  const keys = `FROM unnest(${parent.keys}) AS p(key) CROSS JOIN LATERAL`;
  if (!query.window.withCount) return `SELECT p.key AS "parentKey", t.* ${keys} (${page}) AS t`;
  const count = countSql(parent.countFrom ?? query.from, [ofParent, ...query.where]);
  return `SELECT p.key AS "parentKey", ${countedColumns} ${keys} (${count}) AS c ${pageJoin(page)}`;
}

export function countSql(from: string, where: string[]): string {
  return `SELECT count(*)::int AS count FROM ${from} ${whereClause(where)}`;
}

export function countPerParentSql(
  from: string,
  where: string[],
  parent: { column: string; keys: string },
): string {
  const conditions = [`${parent.column} = ANY(${parent.keys})`, ...where];
  return `SELECT ${parent.column} AS "parentKey", count(*)::int AS count FROM ${from} ${whereClause(conditions)} GROUP BY 1`;
}

/**
 * Turns the limit+1 rows of a keyset query into a page, in the requested order, with the count
 * of the whole list when it was read in the same statement.
 */
export function toPage<Row>(
  rows: Row[],
  order: KeysetOrder<Row>,
  window: PageWindow,
  totalCount?: number,
): Page<Row> {
  const hasMore = rows.length > window.limit;
  const items = hasMore ? rows.slice(0, window.limit) : rows;
  if (window.backward) items.reverse();
  return {
    items,
    keys: items.map((row) => order.columns.map((c) => c.value(row))),
    // Looking the other way from a cursor we came from, there is at least that cursor's row.
    hasNextPage: window.backward ? window.before !== undefined : hasMore,
    hasPreviousPage: window.backward ? hasMore : window.after !== undefined,
    totalCount,
  };
}

/**
 * Splits the rows of a counted statement (see countedSql) into the pages' rows and the counts, by
 * parent key (`undefined` for a list without parents). A parent with an empty page has one row,
 * with `__row` null, which only carries its count.
 */
export function uncount<R extends CountedRow & { parentKey?: KeyValue }>(
  raws: R[],
): { rows: R[]; totals: Map<KeyValue | undefined, number> } {
  const totals = new Map<KeyValue | undefined, number>();
  const rows: R[] = [];
  for (const raw of raws) {
    totals.set(raw.parentKey, raw.__total);
    if (raw.__row) rows.push(raw);
  }
  return { rows, totals };
}

/** Splits the rows of a per-parent query into one page per requested parent key. */
export function toPagesByParent<Row>(
  parentKeys: readonly KeyValue[],
  rows: (Row & { parentKey: KeyValue })[],
  order: KeysetOrder<Row>,
  window: PageWindow,
  totals?: Map<KeyValue | undefined, number>,
): Page<Row>[] {
  return groupByParent(parentKeys, rows).map((group, i) =>
    toPage<Row>(group, order, window, totals?.get(parentKeys[i]!)),
  );
}

/** Count rows (`parentKey`, `count`) in the order of the requested keys; absent keys count 0. */
export function countsInOrder<K extends KeyValue>(
  keys: readonly K[],
  rows: { parentKey: K; count: number }[],
): number[] {
  const counts = new Map(rows.map((row) => [row.parentKey, row.count]));
  return keys.map((key) => counts.get(key) ?? 0);
}
