import type { EntityManager } from 'typeorm';
import { UPDATED_AT_NOW } from '../database/sql';
import { STATEMENT_MEASURE_TABLE } from '../statements/statement.columns';
import {
  MEASURE_RECORD,
  MEASURE_TABLE,
  MEASURE_TARGET_TABLE,
  type MeasureRecord,
} from './measure.columns';
import { MeasureStatus } from './measure.enums';

/**
 * The SQL of the measure writes: each function is one or two statements inside the caller's
 * transaction (`em`), and decides nothing the API answers with; MeasureWriteService does.
 */

/** The column maps, short: `M.name('liftedOn')` writes `lifted_on`. */
const M = MEASURE_TABLE;
const MT = MEASURE_TARGET_TABLE;
const SM = STATEMENT_MEASURE_TABLE;

/** Serialises changes to inResponseTo, so two concurrent edits cannot close a cycle together. */
const RESPONSE_CHAIN_LOCK = 7_305_114_213;

/** What runs a query: a transaction's EntityManager, or the DataSource outside one. */
type Queryable = Pick<EntityManager, 'query'>;

/** The id of the measure an earlier add recorded under this idempotency key, if any. */
export async function idByExternalId(
  db: Queryable,
  externalId: string,
): Promise<number | undefined> {
  const [row]: { id: number }[] = await db.query(
    `SELECT ${M.name('id')} FROM ${M.table} WHERE ${M.name('externalId')} = $1`,
    [externalId],
  );
  return row?.id;
}

/**
 * Inserts the measure row. With an externalId, a unique index decides: of concurrent adds with
 * the same key exactly one inserts, and the others wait for it to commit and get its id.
 */
export async function insertMeasure(
  em: EntityManager,
  record: MeasureRecord,
  externalId: string | null,
): Promise<{ id: number; existing: boolean }> {
  const insert = M.insertOf({ ...record, externalId }, [...MEASURE_RECORD, 'externalId']);
  const rows: { id: number }[] = await em.query(
    `INSERT INTO ${M.table} (${insert.columns}) VALUES (${insert.placeholders})
     ON CONFLICT (${M.name('externalId')}) DO NOTHING
     RETURNING ${M.name('id')}`,
    insert.values,
  );
  if (rows.length > 0) return { id: rows[0]!.id, existing: false };
  const existing = externalId === null ? undefined : await idByExternalId(em, externalId);
  if (existing === undefined)
    throw new Error(`externalId conflict without a row for ${externalId}`);
  return { id: existing, existing: true };
}

/** Writes every column of the record, and moves updatedAt. */
export async function updateMeasure(
  em: EntityManager,
  id: number,
  record: MeasureRecord,
): Promise<void> {
  const { assignments, values } = M.assignmentsOf(record, MEASURE_RECORD);
  await em.query(
    `UPDATE ${M.table} SET ${assignments}, ${M.name('updatedAt')} = ${UPDATED_AT_NOW}
     WHERE ${M.name('id')} = $${values.length + 1}`,
    [...values, id],
  );
}

/** The measure's record, locked until the transaction ends; undefined if there is none. */
export async function lockMeasure(
  em: EntityManager,
  id: number,
): Promise<MeasureRecord | undefined> {
  const [current]: MeasureRecord[] = await em.query(
    `SELECT ${M.select(MEASURE_RECORD)} FROM ${M.from} WHERE ${M.column('id')} = $1
     FOR NO KEY UPDATE`,
    [id],
  );
  return current;
}

export async function markLifted(em: EntityManager, id: number, liftedOn: string): Promise<void> {
  await em.query(
    `UPDATE ${M.table} SET ${M.name('status')} = '${MeasureStatus.LIFTED}',
       ${M.name('liftedOn')} = $2, ${M.name('updatedAt')} = ${UPDATED_AT_NOW}
     WHERE ${M.name('id')} = $1`,
    [id, liftedOn],
  );
}

export async function namedTargetCount(em: EntityManager, id: number): Promise<number> {
  const [row]: { count: number }[] = await em.query(
    `SELECT count(*)::int AS count FROM ${MT.table} WHERE ${MT.name('measureId')} = $1`,
    [id],
  );
  return row!.count;
}

/** Links the officials as the measure's named targets, in this order. */
export async function linkTargets(
  em: EntityManager,
  measureId: number,
  officialIds: readonly number[],
): Promise<void> {
  if (officialIds.length === 0) return;
  await em.query(
    `INSERT INTO ${MT.table} (${MT.name('measureId')}, ${MT.name('officialId')}, ${MT.name('position')})
     SELECT $1, t.official_id, t.position
     FROM unnest($2::int4[]) WITH ORDINALITY AS t(official_id, position)`,
    [measureId, officialIds],
  );
}

export async function unlinkTargets(em: EntityManager, measureId: number): Promise<void> {
  await em.query(`DELETE FROM ${MT.table} WHERE ${MT.name('measureId')} = $1`, [measureId]);
}

/** Serialises edits of inResponseTo (see RESPONSE_CHAIN_LOCK), until the transaction ends. */
export async function lockResponseChain(em: EntityManager): Promise<void> {
  await em.query('SELECT pg_advisory_xact_lock($1)', [RESPONSE_CHAIN_LOCK]);
}

/** Whether following inResponseTo from `from` (itself included) reaches the measure `to`. */
export async function responseChainReaches(
  em: EntityManager,
  from: number,
  to: number,
): Promise<boolean> {
  const inResponseTo = M.column('inResponseToId');
  const [reached] = await em.query(
    // UNION (not UNION ALL) ends the walk at any id seen before, so it needs no depth limit
    // and ends even on a chain that somehow already loops.
    `WITH RECURSIVE chain(id) AS (
       SELECT $2::int4
       UNION
       SELECT ${inResponseTo} FROM ${M.from} JOIN chain ON ${M.column('id')} = chain.id
       WHERE ${inResponseTo} IS NOT NULL
     )
     SELECT 1 FROM chain WHERE id = $1 LIMIT 1`,
    [to, from],
  );
  return reached !== undefined;
}

/**
 * Links the measure to these statements, replacing its links when `replace`. Returns the
 * statements whose links to it changed (unlinked, or newly linked), in id order.
 */
export async function relinkStatements(
  em: EntityManager,
  measureId: number,
  statementIds: readonly number[],
  replace: boolean,
): Promise<number[]> {
  const statementId = SM.name('statementId');
  const unlinked: { statementId: number }[] = replace
    ? await em.query(
        // In a CTE: TypeORM answers a bare DELETE with [rows, count] rather than the rows.
        `WITH unlinked AS (DELETE FROM ${SM.table} WHERE ${SM.name('measureId')} = $1
           RETURNING ${statementId}) SELECT ${statementId} AS "statementId" FROM unlinked`,
        [measureId],
      )
    : [];
  const linked: { statementId: number }[] =
    statementIds.length === 0
      ? []
      : await em.query(
          `INSERT INTO ${SM.table} (${statementId}, ${SM.name('measureId')})
           SELECT s, $1 FROM unnest($2::int4[]) AS s ON CONFLICT DO NOTHING
           RETURNING ${statementId} AS "statementId"`,
          [measureId, statementIds],
        );
  const before = new Set(unlinked.map((row) => row.statementId));
  const after = new Set(linked.map((row) => row.statementId));
  return [
    ...[...before].filter((s) => !after.has(s)),
    ...[...after].filter((s) => !before.has(s)),
  ].sort((a, b) => a - b);
}

/** Everything updateMeasure can change about a measure, as one text to compare. */
export async function measureState(em: EntityManager, id: number): Promise<string> {
  const [{ state }]: { state: string }[] = await em.query(
    // search is generated from title and summary, so it changes only with them.
    `SELECT json_build_array(
       (SELECT to_jsonb(${M.alias}) - '${M.name('updatedAt')}' - 'search' FROM ${M.from}
          WHERE ${M.column('id')} = $1),
       (SELECT json_agg(${MT.name('officialId')} ORDER BY ${MT.name('position')}) FROM ${MT.table}
          WHERE ${MT.name('measureId')} = $1),
       (SELECT json_agg(json_build_array(title, url, publisher, published_on) ORDER BY id)
          FROM source WHERE measure_id = $1),
       (SELECT json_agg(${SM.name('statementId')} ORDER BY ${SM.name('statementId')}) FROM ${SM.table}
          WHERE ${SM.name('measureId')} = $1))::text AS state`,
    [id],
  );
  return state;
}
