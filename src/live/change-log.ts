import type { EntityManager } from 'typeorm';
import { SqlParams } from '../database/keyset';
import type { Sql } from '../database/sql';

export type ChangeEntity = 'Measure' | 'Statement' | 'Official' | 'ApiKey';
export type ChangeAction = 'added' | 'updated' | 'lifted' | 'expired' | 'revoked';

export interface Change {
  entity: ChangeEntity;
  entityId: number;
  action: ChangeAction;
}

/** Who made a change: the API key (null for seeds and command-line tools) and the request. */
export interface ChangeAuthor {
  apiKeyId: number | null;
  requestId: string | null;
}

/** Serialises the numbering of changes; any constant shared by every instance will do. */
const CHANGE_LOG_LOCK = 7_305_114_212;

/** NOTIFY channel announcing new change-log rows; the payload is the highest new seq only. */
export const CHANGES_CHANNEL = 'retorsion_changes';

/**
 * Appends changes to the change log, inside the caller's transaction, which must commit right
 * after (this is its last statement).
 *
 * Why the lock: a sequence hands out numbers in the order transactions *ask*, not the order they
 * commit, so with two writers seq 101 can become visible before seq 100. A reader that resumed
 * "after 101" would then never see 100. Taking a transaction-scoped advisory lock before drawing
 * the numbers makes the draw-to-commit stretch of every write run one at a time; PostgreSQL
 * releases the lock only after the commit is visible, so when any seq N is visible, every seq
 * below N is too. The cost is that commits of writes are serialised, which this write volume
 * (people recording measures) never notices; the lock is held only for these last statements.
 *
 * The NOTIFY is part of the same transaction, so PostgreSQL delivers it only if, and when, the
 * transaction commits: no listener hears of a rolled-back write.
 */
export async function appendChanges(
  em: EntityManager,
  changes: Change[],
  author: ChangeAuthor,
): Promise<string[]> {
  if (changes.length === 0) return [];
  await em.query('SELECT pg_advisory_xact_lock($1)', [CHANGE_LOG_LOCK]);
  const rows: { seq: string }[] = await em.query(
    `INSERT INTO change_log (seq, occurred_at, entity, entity_id, action, api_key_id, request_id)
     SELECT nextval('change_log_seq'), clock_timestamp(), c.entity, c.entity_id, c.action, $4, $5
     FROM unnest($1::text[], $2::int4[], $3::text[]) WITH ORDINALITY AS c(entity, entity_id, action, n)
     ORDER BY c.n
     RETURNING seq`,
    [
      changes.map((c) => c.entity),
      changes.map((c) => c.entityId),
      changes.map((c) => c.action),
      author.apiKeyId,
      author.requestId,
    ],
  );
  const seqs = rows.map((row) => row.seq);
  await em.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, seqs.at(-1)]);
  return seqs;
}

/** Which change-log rows a live topic replays: one entity's, joined to its table to filter. */
export interface ChangeQuery {
  entity: ChangeEntity;
  actions: readonly ChangeAction[];
  /** The entity's table with its alias, e.g. `measure m`; its id column is `<alias>.id`. */
  from: string;
  /** Conditions on that table (a subscription's filter, as the query of the same name has it). */
  conditions(params: SqlParams): string[];
}

/** Change-log rows matching `query`, after < seq <= upTo, in commit order, at most `limit`. */
export async function changesMatching(
  sql: Sql,
  query: ChangeQuery,
  after: number,
  upTo: number,
  limit: number,
): Promise<{ seq: number; id: number }[]> {
  const alias = query.from.split(' ').at(-1)!;
  const params = new SqlParams();
  const where = [
    `c.entity = ${params.add(query.entity, 'text')}`,
    `c.action = ANY(${params.add(query.actions, 'text[]')})`,
    `c.seq > ${params.add(after, 'int8')}`,
    `c.seq <= ${params.add(upTo, 'int8')}`,
    ...query.conditions(params),
  ].join(' AND ');
  const rows = await sql.rows<{ seq: string; id: number }>(
    `SELECT c.seq, ${alias}.id FROM change_log c JOIN ${query.from} ON ${alias}.id = c.entity_id
     WHERE ${where} ORDER BY c.seq LIMIT ${params.add(limit, 'int4')}`,
    params.values,
  );
  return rows.map((row) => ({ seq: Number(row.seq), id: row.id }));
}

/** The change-log position of an object's creation: where a subscription's `since` resumes. */
export async function addedSeq(
  sql: Sql,
  entity: ChangeEntity,
  id: number,
): Promise<number | undefined> {
  const [row] = await sql.rows<{ seq: string }>(
    `SELECT seq FROM change_log WHERE entity = $1 AND entity_id = $2 AND action = 'added'`,
    [entity, id],
  );
  return row ? Number(row.seq) : undefined;
}
