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

/** Whether a request failed because it cannot be served right now (503, retry shortly). */
export function isUnavailable(error: unknown): boolean {
  return isConnectivityError(error) || isPoolExhausted(error);
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
