import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { isConnectivityError } from './health';
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
      return await once(dataSource, work);
    } catch (error) {
      const state = sqlState(error);
      if (attempt >= MAX_ATTEMPTS || state === undefined || !RETRYABLE.has(state)) throw error;
      // A short random pause, so the two sides of a deadlock do not meet again at once.
      await sleep(5 + Math.random() * 20 * attempt);
    }
  }
}

/**
 * One attempt. A connection lost before COMMIT was sent leaves nothing behind (PostgreSQL rolls
 * the transaction back); lost while COMMIT was under way, the write may or may not have been
 * recorded, and the client is told so (a retry with the same externalId is safe either way)
 * rather than the usual "unavailable, try again", which would record a write without one twice.
 */
async function once<T>(
  dataSource: DataSource,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.startTransaction();
    let result: T;
    try {
      result = await work(runner.manager);
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
    try {
      await runner.commitTransaction();
    } catch (error) {
      if (isConnectivityError(error)) throw outcomeUnknown(error);
      throw error;
    }
    return result;
  } finally {
    await runner.release().catch(() => undefined);
  }
}

function outcomeUnknown(cause: unknown): AppError {
  const error = new AppError(
    ErrorCode.SERVICE_UNAVAILABLE,
    'The connection to the database was lost while this write was being committed: it may or ' +
      'may not have been recorded. Check, or retry with the same externalId.',
    { recorded: 'UNKNOWN' },
  );
  error.cause = cause;
  return error;
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
