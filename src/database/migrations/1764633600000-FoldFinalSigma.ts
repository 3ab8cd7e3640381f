import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Name search ignores case, but lower() gives 'σ' for a capital sigma, never the final 'ς' that
 * ends a Greek word: "ΤΣΙΠΡΑΣ" did not find "Τσίπρας". The fold now writes every sigma as 'σ',
 * on both sides of the match. The stored search column is not recomputed when the function under
 * it changes, so it is dropped (with its trigram index) and added again.
 */
export class FoldFinalSigma1764633600000 implements MigrationInterface {
  name = 'FoldFinalSigma1764633600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await this.rebuild(
      queryRunner,
      `translate(lower(unaccent('unaccent'::regdictionary, value)), 'ς', 'σ')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await this.rebuild(queryRunner, `lower(unaccent('unaccent'::regdictionary, value))`);
  }

  private async rebuild(queryRunner: QueryRunner, fold: string): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE official DROP COLUMN search_text;
      CREATE OR REPLACE FUNCTION retorsion_fold(value text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        RETURN ${fold};
      ALTER TABLE official ADD COLUMN search_text text NOT NULL
        GENERATED ALWAYS AS (retorsion_official_search(name, native_name, aliases)) STORED;
      CREATE INDEX official_search_trgm_idx ON official USING gin (search_text gin_trgm_ops);
    `);
  }
}
