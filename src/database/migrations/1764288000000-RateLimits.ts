import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counters for rate limiting, in the layout rate-limiter-flexible's Postgres store uses. UNLOGGED:
 * a counter lost in a crash only forgives a minute of usage, and skipping the WAL makes the write
 * every request pays cheaper.
 */
export class RateLimits1764288000000 implements MigrationInterface {
  name = 'RateLimits1764288000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE UNLOGGED TABLE rate_limit (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      );
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE rate_limit');
  }
}
