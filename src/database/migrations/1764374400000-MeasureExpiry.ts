import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Measures expire: a measure still announced, in force or suspended whose expiresOn has passed
 * becomes EXPIRED (src/measures/measure-expiry.ts), and the change log records it as 'expired' so
 * that measureUpdated announces it. The partial index holds only the measures that can still
 * expire, so the sweep that looks for them every minute reads a handful of index entries.
 */
export class MeasureExpiry1764374400000 implements MigrationInterface {
  name = 'MeasureExpiry1764374400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE change_log DROP CONSTRAINT change_log_action_check;
      ALTER TABLE change_log ADD CONSTRAINT change_log_action_check
        CHECK (action IN ('added', 'updated', 'lifted', 'expired', 'revoked'));
      CREATE INDEX measure_expiry_idx ON measure (expires_on)
        WHERE status IN ('ANNOUNCED', 'IN_FORCE', 'SUSPENDED') AND expires_on IS NOT NULL;
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX measure_expiry_idx;
      DELETE FROM change_log WHERE action = 'expired';
      ALTER TABLE change_log DROP CONSTRAINT change_log_action_check;
      ALTER TABLE change_log ADD CONSTRAINT change_log_action_check
        CHECK (action IN ('added', 'updated', 'lifted', 'revoked'));
    `);
  }
}
