import type { EntityManager } from 'typeorm';
import {
  STATEMENT_MEASURE_TABLE,
  STATEMENT_RECORD,
  STATEMENT_TABLE,
  type StatementRecord,
} from './statement.columns';

/** The SQL of addStatement, inside the caller's transaction (`em`). */

/** The link table, short: `SM.name('measureId')` writes `measure_id`. */
const SM = STATEMENT_MEASURE_TABLE;

/** Inserts the statement row and returns its id. */
export async function insertStatement(em: EntityManager, record: StatementRecord): Promise<number> {
  const insert = STATEMENT_TABLE.insertOf(record, STATEMENT_RECORD);
  const [{ id }]: { id: number }[] = await em.query(
    `INSERT INTO ${STATEMENT_TABLE.table} (${insert.columns}) VALUES (${insert.placeholders})
     RETURNING ${STATEMENT_TABLE.name('id')}`,
    insert.values,
  );
  return id;
}

/** Links the statement to these measures (each once). */
export async function linkMeasures(
  em: EntityManager,
  statementId: number,
  measureIds: readonly number[],
): Promise<void> {
  if (measureIds.length === 0) return;
  await em.query(
    `INSERT INTO ${SM.table} (${SM.name('statementId')}, ${SM.name('measureId')})
     SELECT $1, m FROM unnest($2::int4[]) AS m`,
    [statementId, measureIds],
  );
}
