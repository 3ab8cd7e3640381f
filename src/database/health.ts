import type { Logger } from '../logger';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * Whether an error means the database cannot be reached (as opposed to a bad query): node's
 * socket errors, pg's lost-connection messages, and PostgreSQL's connection-exception class (08)
 * and shutdown codes (57P01-57P03).
 */
export function isConnectivityError(error: unknown): boolean {
  // Duck-typed: socket errors are made in node's own realm, where `instanceof Error` can fail.
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code))
      return true;
  }
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|Connection ended|Query read timeout/i.test(message)
  );
}

/**
 * What PostgreSQL says when it is reachable but cannot serve a request right now, with what the
 * client is told: not a bug in the request or the server, so never an internal error.
 */
const BUSY_DATABASE: Record<string, string> = {
  // statement_timeout (DB_STATEMENT_TIMEOUT_MS); the API cancels statements no other way.
  '57014': 'The database took too long to answer; try again shortly, or ask for less.',
  // A standby after a failover, or default_transaction_read_only.
  '25006': 'The database accepts no writes right now; try again shortly.',
  '53100': 'The database is out of disk space; try again later.',
  '53200': 'The database is out of memory; try again shortly.',
  '53300': 'The database has no free connections; try again shortly.',
  '55P03': 'A record is locked by another change; try again shortly.',
};

/** The message for a database that answered but cannot serve now, or undefined. */
export function busyDatabaseMessage(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? BUSY_DATABASE[code] : undefined;
}

/** Whether a request failed because it cannot be served right now (503, retry shortly). */
export function isUnavailable(error: unknown): boolean {
  return (
    isConnectivityError(error) || isPoolExhausted(error) || busyDatabaseMessage(error) !== undefined
  );
}

/**
 * pg-pool's answer when every connection of the pool stayed busy for the connect timeout: this
 * instance is overloaded, the database is fine (so it is no reason to fail everything fast).
 */
export function isPoolExhausted(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { message?: unknown }).message === 'timeout exceeded when trying to connect'
  );
}

/**
 * Tracks whether the database answers. After a connectivity error every request fails fast (no
 * waiting on connection attempts) and /readyz reports not ready, until a probe, once a second,
 * gets an answer again; the pool and the live feed's listener then reconnect by themselves.
 */
export class DatabaseHealth {
  private down = false;
  private probing = false;
  private probe: NodeJS.Timeout | undefined;

  constructor(
    private readonly check: () => Promise<void>,
    private readonly logger: Logger,
    private readonly probeMs = 1000,
  ) {}

  get available(): boolean {
    return !this.down;
  }

  /** Feed any database error here; returns whether it meant "unreachable". */
  observe(error: unknown): boolean {
    if (!isConnectivityError(error)) return false;
    if (!this.down) {
      this.down = true;
      this.logger.error(
        { err: error },
        'database unreachable: failing requests fast until it answers',
      );
      this.probe = setInterval(() => void this.tryProbe(), this.probeMs);
      this.probe.unref();
    }
    return true;
  }

  /** The database answered (e.g. /readyz's own check): stop failing requests fast. */
  reachable(): void {
    if (!this.down) return;
    this.down = false;
    clearInterval(this.probe);
    this.logger.info('database reachable again');
  }

  stop(): void {
    clearInterval(this.probe);
  }

  private async tryProbe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await this.check();
      this.reachable();
    } catch {
      /* still down */
    } finally {
      this.probing = false;
    }
  }
}
