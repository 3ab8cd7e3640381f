import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The change log is what live feeds resume from and what a bad edit is traced by, so it is
 * append-only in the database itself, not only by convention: any UPDATE, DELETE or TRUNCATE of
 * it fails, whoever sends it. (Removing old entries, should that ever be wanted, is a migration
 * that drops these triggers first.) Also indexes the countries' region filter.
 */
export class AppendOnlyChangeLog1764460800000 implements MigrationInterface {
  name = 'AppendOnlyChangeLog1764460800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION change_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'change_log is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$;
      CREATE TRIGGER change_log_no_update_or_delete BEFORE UPDATE OR DELETE ON change_log
        FOR EACH ROW EXECUTE FUNCTION change_log_append_only();
      CREATE TRIGGER change_log_no_truncate BEFORE TRUNCATE ON change_log
        FOR EACH STATEMENT EXECUTE FUNCTION change_log_append_only();
      CREATE INDEX country_region_idx ON country (lower(region), code);
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX country_region_idx;
      DROP TRIGGER change_log_no_truncate ON change_log;
      DROP TRIGGER change_log_no_update_or_delete ON change_log;
      DROP FUNCTION change_log_append_only();
    `);
  }
}
