import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppError, badUserInput, ErrorCode, notFound } from '../common/errors';
import { textProblem } from '../common/validation';
import { hydrate } from '../common/loaders';
import type { Sql } from '../database/sql';
import { writeTransaction } from '../database/transaction';
import { appendChanges, type ChangeAuthor } from '../live/change-log';
import type { Logger } from '../logger';
import { ApiKey } from './api-key.entity';
import { type Caller, Role } from './role';

/** `rtsn_` + 16 hex characters of lookup + `_` + 256 random bits in base64url. */
const KEY_FORMAT = /^rtsn_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

const COLUMNS = `id, name, role, created_at AS "createdAt", last_used_at AS "lastUsedAt",
  revoked_at AS "revokedAt", created_by_key_id AS "createdByKeyId"`;

/** lastUsedAt is a hint, not a log: written at most once a minute per key. */
const LAST_USED_RESOLUTION_SECONDS = 60;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function unauthenticated(message: string): AppError {
  return new AppError(ErrorCode.UNAUTHENTICATED, message);
}

/**
 * API keys: created (and shown) once, stored as a SHA-256 of their secret part, looked up by a
 * public prefix and compared in constant time. The secret has 256 random bits, so a plain hash
 * is enough: there is nothing to brute-force that a slow hash would protect.
 */
export class ApiKeyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: Sql,
    private readonly logger: Logger,
  ) {}

  async create(
    name: string,
    role: Role,
    author: ChangeAuthor,
  ): Promise<{ key: string; apiKey: ApiKey }> {
    const problem = textProblem(name, { max: 200 });
    if (problem) throw badUserInput('name', `name ${problem}.`);
    const trimmed = name.trim();
    const lookup = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const id = await writeTransaction(this.dataSource, async (em) => {
      const [row]: { id: number }[] = await em.query(
        `INSERT INTO api_key (name, role, lookup, secret_hash, created_by_key_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [trimmed, role, lookup, hashSecret(secret), author.apiKeyId],
      );
      await appendChanges(em, [{ entity: 'ApiKey', entityId: row!.id, action: 'added' }], author);
      return row!.id;
    });
    const [apiKey] = await this.byIds([id]);
    return { key: `rtsn_${lookup}_${secret}`, apiKey: apiKey! };
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.sql.rows(`SELECT ${COLUMNS} FROM api_key ORDER BY id`);
    return rows.map((row) => hydrate(ApiKey, row));
  }

  async byIds(ids: readonly number[]): Promise<ApiKey[]> {
    const rows = await this.sql.rows(`SELECT ${COLUMNS} FROM api_key WHERE id = ANY($1::int4[])`, [
      ids,
    ]);
    return rows.map((row) => hydrate(ApiKey, row));
  }

  /** Revokes at once, on every instance (each request checks the database). Idempotent. */
  async revoke(id: number, author: ChangeAuthor, field = 'id'): Promise<ApiKey> {
    await writeTransaction(this.dataSource, async (em) => {
      const [row]: { revoked_at: Date | null }[] = await em.query(
        'SELECT revoked_at FROM api_key WHERE id = $1 FOR NO KEY UPDATE',
        [id],
      );
      if (!row) throw notFound(field, 'There is no API key with this ID.');
      if (row.revoked_at) return;
      await em.query('UPDATE api_key SET revoked_at = now() WHERE id = $1', [id]);
      await appendChanges(em, [{ entity: 'ApiKey', entityId: id, action: 'revoked' }], author);
    });
    const [apiKey] = await this.byIds([id]);
    return apiKey!;
  }

  /**
   * The caller named by an Authorization header: null without one; UNAUTHENTICATED for anything
   * but a valid, unrevoked key (a bad key is never treated as anonymous).
   */
  async authenticate(authorization: string | undefined): Promise<Caller | null> {
    if (authorization === undefined || authorization === '') return null;
    const bearer = BEARER.exec(authorization);
    if (!bearer) throw unauthenticated('The Authorization header must be "Bearer <API key>".');
    return this.authenticateKey(bearer[1]!);
  }

  async authenticateKey(key: string): Promise<Caller> {
    const parts = KEY_FORMAT.exec(key);
    if (!parts) throw unauthenticated('This is not a valid API key.');
    const [row] = await this.sql.rows<{
      id: number;
      name: string;
      role: Role;
      secret_hash: Buffer;
      revoked: boolean;
      stale: boolean;
    }>(
      `SELECT id, name, role, secret_hash, revoked_at IS NOT NULL AS revoked,
         last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2) AS stale
       FROM api_key WHERE lookup = $1`,
      [parts[1], LAST_USED_RESOLUTION_SECONDS],
    );
    if (!row || !timingSafeEqual(hashSecret(parts[2]!), row.secret_hash)) {
      throw unauthenticated('This API key is not valid.');
    }
    if (row.revoked) throw unauthenticated('This API key has been revoked.');
    if (row.stale) await this.touch(row.id);
    return { apiKeyId: row.id, name: row.name, role: row.role };
  }

  /** Recording use must never fail the request it belongs to. */
  private async touch(id: number): Promise<void> {
    try {
      await this.sql.rows('UPDATE api_key SET last_used_at = now() WHERE id = $1', [id]);
    } catch (error) {
      this.logger.warn({ err: error, apiKeyId: id }, 'could not record key use');
    }
  }
}
