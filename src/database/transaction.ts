import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import { UPDATED_AT_NOW } from './sql';

/** deadlock_detected, serialization_failure: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  const state = typeof code === 'string' ? code : driverError?.code;
  return typeof state === 'string' ? state : undefined;
}

/**
 * Runs `work` as one transaction, and again (up to MAX_ATTEMPTS in all) when PostgreSQL ended it
 * as a deadlock victim or a serialization failure: such a transaction was rolled back whole, so
 * running it again is what the client would have to do, without handing it an internal error.
 * Writes take their locks in an order meant to avoid deadlocks; this is the backstop for orders
 * nobody foresaw. `work` must keep its state inside the transaction (it may run more than once).
 */
export async function writeTransaction<T>(
  dataSource: DataSource,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      const state = sqlState(error);
      if (attempt >= MAX_ATTEMPTS || state === undefined || !RETRYABLE.has(state)) throw error;
      // A short random pause, so the two sides of a deadlock do not meet again at once.
      await sleep(5 + Math.random() * 20 * attempt);
    }
  }
}

/**
 * Moves the updatedAt of rows whose links changed (a statement linked to a measure, a measure
 * answered by another). Rows are locked in id order first, the order every write that touches
 * several of them uses, so two such writes wait for each other instead of deadlocking.
 */
export async function touch(
  em: EntityManager,
  table: 'measure' | 'statement',
  ids: readonly number[],
): Promise<void> {
  if (ids.length === 0) return;
  await em.query(
    `SELECT 1 FROM ${table} WHERE id = ANY($1::int4[]) ORDER BY id FOR NO KEY UPDATE`,
    [ids],
  );
  await em.query(`UPDATE ${table} SET updated_at = ${UPDATED_AT_NOW} WHERE id = ANY($1::int4[])`, [
    ids,
  ]);
}
