import type { FieldNode } from 'graphql';
import { countSql, type KeysetOrder, type PageWindow, pageSql } from '../database/keyset';
import { countFromOf, type ParentLink } from '../database/keyset-table';
import { type Fields, nextAlias, object, type Scope, subfields, Unsupported } from './scope';
import { cursor, literal } from './sql-values';

/** One connection to build: the list's SQL parts, its order and page, and its selection. */
export interface ConnectionSpec {
  /** The node type, e.g. `Measure`: names the connection and edge types. */
  typeName: string;
  select: string;
  from: string;
  /** The filter's conditions. */
  where: string[];
  /** For a list under a parent: how it hangs off it, and the parent's key (SQL). */
  parent?: { link: ParentLink; key: string } | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  order: KeysetOrder<any>;
  window: PageWindow;
  nodes: readonly FieldNode[];
  node: (alias: string, fields: Fields) => string;
}

/**
 * A Relay connection: a keyset page read with one row more than asked (which tells whether
 * another page follows), numbered in reading order, then aggregated in the list's own order,
 * as toPage and toConnection build it from the same rows.
 */
export function connection(scope: Scope, spec: ConnectionSpec): string {
  const { params } = scope;
  const { order, window } = spec;
  const keyColumns = order.columns.map((column, i) => `${column.sql} AS "__k${i}"`).join(', ');
  const { parent } = spec;
  const ofParent = parent ? [`${parent.link.column} = ${parent.key}`] : [];
  // The same page statement the resolvers run, with the order's keys as columns of their own.
  const page = pageSql(
    {
      select: `${spec.select}, ${keyColumns}`,
      from: parent?.link.from ?? spec.from,
      where: spec.where,
      params,
      order,
      window: { ...window, withCount: false },
    },
    ofParent,
  );
  const countFrom = parent ? countFromOf(parent.link, spec.from, spec.where) : spec.from;
  const r = nextAlias(scope);
  const reading = window.backward !== (order.direction === 'DESC') ? 'DESC' : 'ASC';
  const readingOrder = order.columns.map((_c, i) => `"__k${i}" ${reading}`).join(', ');
  const natural = (direction: 'ASC' | 'DESC') =>
    order.columns.map((_c, i) => `${r}."__k${i}" ${direction}`).join(', ');
  const reverse = order.direction === 'ASC' ? 'DESC' : 'ASC';
  const cursorSql = cursor(
    order.id,
    order.columns.map((column, i) => ({ sql: `${r}."__k${i}"`, type: column.type })),
  );
  const included = `FILTER (WHERE ${r}.__i <= ${window.limit})`;
  const hasMore = `(count(*) > ${window.limit})`;
  const connectionType = `${spec.typeName}Connection`;
  const fields = subfields(scope, connectionType, spec.nodes);
  const built = object(scope, fields, (_key, nodes) => {
    const name = nodes[0]!.name.value;
    switch (name) {
      case '__typename':
        return literal(connectionType);
      case 'totalCount':
        return `(${countSql(countFrom, [...ofParent, ...spec.where])})`;
      case 'edges': {
        const edgeFields = subfields(scope, `${spec.typeName}Edge`, nodes);
        const edge = object(scope, edgeFields, (_k, edgeNodes) => {
          const edgeField = edgeNodes[0]!.name.value;
          if (edgeField === '__typename') return literal(`${spec.typeName}Edge`);
          if (edgeField === 'cursor') return cursorSql;
          if (edgeField === 'node') return spec.node(r, subfields(scope, spec.typeName, edgeNodes));
          throw new Unsupported(`Edge.${edgeField}`);
        });
        return `coalesce(json_agg(${edge} ORDER BY ${natural(order.direction)}) ${included}, '[]'::json)`;
      }
      case 'pageInfo': {
        const infoFields = subfields(scope, 'PageInfo', nodes);
        return object(scope, infoFields, (_k, infoNodes) => {
          switch (infoNodes[0]!.name.value) {
            case '__typename':
              return literal('PageInfo');
            case 'hasNextPage':
              return window.backward ? String(window.before !== undefined) : hasMore;
            case 'hasPreviousPage':
              return window.backward ? hasMore : String(window.after !== undefined);
            case 'startCursor':
              return `(array_agg(${cursorSql} ORDER BY ${natural(order.direction)}) ${included})[1]`;
            case 'endCursor':
              return `(array_agg(${cursorSql} ORDER BY ${natural(reverse)}) ${included})[1]`;
            default:
              throw new Unsupported(`PageInfo.${infoNodes[0]!.name.value}`);
          }
        });
      }
      default:
        throw new Unsupported(`${connectionType}.${name}`);
    }
  });
  // GROUP BY (): one row even when nothing selected aggregates (only totalCount, say).
  return `(SELECT ${built} FROM (SELECT *, row_number() OVER (ORDER BY ${readingOrder}) AS __i FROM (${page}) q) ${r} GROUP BY ())`;
}
