import type { DataSource } from 'typeorm';
import { UPDATED_AT_NOW } from '../database/sql';
import { appendChanges } from '../live/change-log';
import type { Logger } from '../logger';
import { MEASURE_TABLE } from './measure.columns';
import { MeasureStatus } from './measure.enums';

/** The statuses a measure leaves when its expiresOn passes; LIFTED and EXPIRED are final. */
export const EXPIRING_STATUSES: readonly MeasureStatus[] = [
  MeasureStatus.ANNOUNCED,
  MeasureStatus.IN_FORCE,
  MeasureStatus.SUSPENDED,
];

/** Today's date in UTC, as the API's Date scalar writes it (YYYY-MM-DD). */
export function utcToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * A measure is in effect up to and including its expiresOn (sanctions "apply until 15 September"),
 * so it expires on the following day, by the calendar in UTC.
 */
export function hasExpired(expiresOn: string | null, today: string = utcToday()): boolean {
  return expiresOn !== null && expiresOn < today;
}

/** The measure column map, short: `M.name('expiresOn')` writes `expires_on`. */
const M = MEASURE_TABLE;

/**
 * Expires up to $2 measures due before $1 (today), oldest expiresOn first, and returns their ids.
 * In a CTE: TypeORM answers a bare UPDATE with [rows, count] rather than the rows. The statuses
 * are those of measure_expiry_idx, whose predicate the planner must match to use it.
 */
const SWEEP_BATCH = `WITH expired AS (
    UPDATE ${M.table}
    SET ${M.name('status')} = '${MeasureStatus.EXPIRED}', ${M.name('updatedAt')} = ${UPDATED_AT_NOW}
    WHERE ${M.name('id')} IN (
      SELECT ${M.name('id')} FROM ${M.table}
      WHERE ${M.name('status')} IN (${EXPIRING_STATUSES.map((s) => `'${s}'`).join(', ')})
        AND ${M.name('expiresOn')} IS NOT NULL AND ${M.name('expiresOn')} < $1::date
      ORDER BY ${M.name('expiresOn')}, ${M.name('id')}
      LIMIT $2
      FOR UPDATE SKIP LOCKED)
    RETURNING ${M.name('id')} AS id)
  SELECT id FROM expired ORDER BY id`;

/** Only one instance sweeps at a time; any constant shared by every instance will do. */
const EXPIRY_LOCK = 7_305_114_214;
/** Measures expired per transaction: keeps each one short after a bulk import of old measures. */
const BATCH = 1000;

/**
 * Marks measures whose expiresOn has passed as EXPIRED, and records each in the change log as
 * 'expired', so measureUpdated announces it like any other status change (docs/api.md).
 *
 * Every instance runs the sweep (there is no leader to elect); a transaction-scoped try-lock lets
 * one of them do the work while the others skip that round, and FOR UPDATE SKIP LOCKED leaves a
 * measure being edited right now to the next round. A write that sets a past expiresOn expires
 * the measure itself (MeasureWriteService), so the sweep only catches measures that expire with
 * the turn of a day.
 */
export class MeasureExpiry {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    /** How often to sweep, in milliseconds; 0 turns sweeping off. */
    private readonly intervalMs: number,
  ) {}

  /** Sweeps now, then every interval. */
  start(): void {
    if (this.intervalMs === 0 || this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for the batch in progress; the rest is left to the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Expires every measure due; returns how many. */
  async sweep(): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const expired = await this.sweepBatch();
      if (expired === null) break; // another instance is sweeping
      total += expired;
      if (expired < BATCH) break;
    }
    if (total > 0) this.logger.info({ expired: total }, 'measures expired');
    return total;
  }

  private tick(): void {
    if (this.running) return; // the previous sweep is still going
    this.running = this.sweep()
      .then(() => undefined)
      .catch((error: unknown) => {
        // The database may be away (restarting); the next round tries again.
        this.logger.warn({ err: error }, 'expiry sweep failed');
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** One transaction; null when another instance holds the lock. */
  private sweepBatch(): Promise<number | null> {
    return this.dataSource.transaction(async (em) => {
      const [{ locked }]: { locked: boolean }[] = await em.query(
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [EXPIRY_LOCK],
      );
      if (!locked) return null;
      const rows: { id: number }[] = await em.query(SWEEP_BATCH, [utcToday(), BATCH]);
      const ids = rows.map((row) => row.id);
      await appendChanges(
        em,
        ids.map((id) => ({ entity: 'Measure', entityId: id, action: 'expired' })),
        { apiKeyId: null, requestId: null },
      );
      return ids.length;
    });
  }
}
