import { Client } from 'pg';
import type { Logger } from '../logger';
import { type ChangeAction, type ChangeEntity, CHANGES_CHANNEL } from './change-log';

/** One row of the change log, as the live feed reads it. */
export interface ChangeRow {
  seq: number;
  entity: ChangeEntity;
  entityId: number;
  action: ChangeAction;
}

export type BatchHandler = (rows: ChangeRow[]) => Promise<void>;

export interface ChangeListenerOptions {
  databaseUrl: string;
  logger: Logger;
  /** Safety net besides NOTIFY: look for new rows this often anyway. */
  pollMs?: number;
  batchSize?: number;
  /** Reconnection backoff: starts at min, doubles up to max, with jitter. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

/**
 * The one connection per API instance that hears about changes, and reads them.
 *
 * LISTEN needs a session connection of its own: notifications are delivered to the session that
 * listens, between its queries, for as long as it lives. A pooled connection is handed to other
 * work and back, and behind PgBouncer in transaction pooling mode the server session changes at
 * every transaction, so it would stop hearing (or never hear) the channel; connect this listener
 * directly or through session pooling. A notification only says "there is something after seq N":
 * the rows themselves are read from change_log, in seq order, after the last one this instance
 * handled. That makes the feed lossless across a restarted database or a dropped connection:
 * the listener reconnects with backoff and reads everything after its position, whether or not
 * a notification reached it. (A much larger deployment would put a log such as Kafka or NATS
 * JetStream between the database and the API instances, fed from the same change log, so that
 * each instance does not read it itself.)
 */
/** The listener's reads are small; one that takes this long is stuck on a dead connection. */
const READ_TIMEOUT_MS = 30_000;

function isQueryTimeout(error: unknown): boolean {
  return error instanceof Error && /Query read timeout/.test(error.message);
}

export class ChangeListener {
  private client: Client | undefined;
  private readonly handlers: BatchHandler[] = [];
  private position = 0;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private connected = false;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** After a failed read: doubles up to backoffMaxMs, so a batch that keeps failing is no busy loop. */
  private retryMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly options: Required<Omit<ChangeListenerOptions, 'logger' | 'databaseUrl'>>;

  constructor(private readonly settings: ChangeListenerOptions) {
    this.options = {
      pollMs: settings.pollMs ?? 5000,
      batchSize: settings.batchSize ?? 500,
      backoffMinMs: settings.backoffMinMs ?? 100,
      backoffMaxMs: settings.backoffMaxMs ?? 5000,
    };
    this.backoffMs = this.options.backoffMinMs;
    this.retryMs = this.options.backoffMinMs;
  }

  /** The highest seq every handler has been given. */
  get seq(): number {
    return this.position;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Handlers get every batch in seq order; a batch is offered again until all of them succeed. */
  onBatch(handler: BatchHandler): void {
    this.handlers.push(handler);
  }

  /** Connects and starts from the newest change: earlier ones are history, read by replay. */
  async start(): Promise<void> {
    await this.connect();
    if (!this.client) return; // stopped meanwhile
    const [row] = (
      await this.client!.query<{ seq: string }>(
        'SELECT coalesce(max(seq), 0) AS seq FROM change_log',
      )
    ).rows;
    this.position = Number(row!.seq);
    this.pollTimer = setInterval(() => this.kick(), this.options.pollMs);
    this.pollTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.retryTimer);
    await this.draining?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }

  /** Reads and hands out whatever follows the current position; coalesces concurrent calls. */
  kick(): void {
    if (this.stopped || !this.connected) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    const client = this.client;
    this.draining = this.drain()
      .then(() => {
        this.retryMs = this.options.backoffMinMs;
      })
      .catch((error: unknown) => {
        this.settings.logger.warn(
          { err: error, seq: this.position, retryMs: this.retryMs },
          'live feed: reading changes failed; will retry',
        );
        this.again = false;
        // A read that timed out may be on a half-open connection: start a fresh one.
        if (client && isQueryTimeout(error)) this.lost(client, error as Error);
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.kick(), this.retryMs);
        this.retryTimer.unref();
        this.retryMs = Math.min(this.retryMs * 2, this.options.backoffMaxMs);
      })
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const client = this.client;
      if (!client || this.stopped) return;
      const { rows } = await client.query<{
        seq: string;
        entity: ChangeEntity;
        entity_id: number;
        action: ChangeAction;
      }>(
        'SELECT seq, entity, entity_id, action FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2',
        [this.position, this.options.batchSize],
      );
      if (rows.length === 0) return;
      const batch = rows.map((r) => ({
        seq: Number(r.seq),
        entity: r.entity,
        entityId: r.entity_id,
        action: r.action,
      }));
      for (const handler of this.handlers) await handler(batch);
      this.position = batch.at(-1)!.seq;
      if (rows.length < this.options.batchSize) return;
    }
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.settings.databaseUrl,
      application_name: 'retorsion-listener',
      // A connection that silently died (a vanished peer, a dropped NAT entry) is found within
      // about a minute by TCP keepalive, and a read that hangs on it ends after query_timeout.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 5000,
      query_timeout: READ_TIMEOUT_MS,
    });
    // Without an 'error' listener a dropped connection would crash the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', () => this.kick());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      // stop() ran while this was connecting: it could not close what did not exist yet.
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.connected = true;
    this.backoffMs = this.options.backoffMinMs;
  }

  private lost(client: Client, error?: Error): void {
    if (client !== this.client || this.stopped) return;
    this.client = undefined;
    this.connected = false;
    client.end().catch(() => undefined);
    this.settings.logger.warn({ err: error }, 'live feed: database connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = this.backoffMs * (0.5 + Math.random() / 2);
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.backoffMaxMs);
    this.reconnectTimer = setTimeout(() => {
      this.connect().then(
        () => {
          this.settings.logger.info({ seq: this.position }, 'live feed: reconnected; catching up');
          this.kick();
        },
        (error: unknown) => {
          this.settings.logger.debug({ err: error }, 'live feed: reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, delay);
  }
}
