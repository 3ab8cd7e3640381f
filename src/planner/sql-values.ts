import type { KeyType } from '../database/keyset';

/**
 * SQL expressions that write a value as the API writes it (its scalars, IDs and cursors), so the
 * JSON PostgreSQL builds is the resolvers' JSON byte for byte.
 */

/** A SQL string literal. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** base64url without padding, as Buffer.toString('base64url') writes it. */
export function base64url(sql: string): string {
  return `translate(rtrim(replace(encode(convert_to(${sql}, 'UTF8'), 'base64'), E'\\n', ''), '='), '+/', '-_')`;
}

/** A global ID, as encodeGlobalId writes it. */
export function globalId(type: string, keySql: string): string {
  return base64url(`${literal(`${type}:`)} || ${keySql}`);
}

/** An instant as DateTime serialises it (Date.toISOString). */
export function dateTime(sql: string): string {
  return `to_char(${sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** A cursor as encodeCursor writes it: base64url of JSON.stringify([orderId, ...key]). */
export function cursor(orderId: string, keys: { sql: string; type: KeyType }[]): string {
  const parts = keys.map(({ sql, type }) => {
    switch (type) {
      case 'int':
        return `${sql}::text`;
      case 'date':
        return `'"' || to_char(${sql}, 'YYYY-MM-DD') || '"'`;
      case 'timestamptz':
        return `'"' || ${dateTime(sql)} || '"'`;
      case 'text':
        return `to_json(${sql})::text`;
    }
  });
  return base64url(
    [
      literal(`[${JSON.stringify(orderId)},`),
      ...parts.flatMap((part, i) => (i === 0 ? [part] : [`','`, part])),
      `']'`,
    ].join(' || '),
  );
}

/**
 * A row's property, read from a select list of a column map (TableColumns.select), which names
 * every column after its property: `p1."announcedOn"`.
 */
export function property<Row = Record<string, unknown>>(
  alias: string,
  name: keyof Row & string,
): string {
  return `${alias}."${name}"`;
}
