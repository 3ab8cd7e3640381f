import type { EntityManager } from 'typeorm';

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
