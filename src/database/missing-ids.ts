import type { EntityManager } from 'typeorm';

/**
 * Index in `ids` of the first id with no row in `table`, or -1: one statement, inside the
 * caller's transaction, however many ids a write references.
 */
export async function missingIds(
  em: EntityManager,
  table: 'official' | 'measure' | 'statement',
  ids: readonly number[],
): Promise<number> {
  if (ids.length === 0) return -1;
  const rows: { id: number }[] = await em.query(
    `SELECT id FROM ${table} WHERE id = ANY($1::int4[])`,
    [ids],
  );
  const found = new Set(rows.map((row) => row.id));
  return ids.findIndex((id) => !found.has(id));
}
