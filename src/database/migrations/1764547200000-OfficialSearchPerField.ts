import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The officials' name filter is a substring match on name, nativeName and each alias (docs/api.md).
 * Its search column joined them with spaces, so a search could match across two of them ("the end
 * of one alias and the start of the next"). They are now joined with line feeds, which no search
 * term can contain (searchText refuses control characters), so every match lies within one.
 * A stored generated column is not recomputed when its function changes: it is dropped (with its
 * trigram index) and added again.
 */
export class OfficialSearchPerField1764547200000 implements MigrationInterface {
  name = 'OfficialSearchPerField1764547200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await this.rebuild(queryRunner, `E'\\n'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await this.rebuild(queryRunner, `' '`);
  }

  private async rebuild(queryRunner: QueryRunner, separator: string): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE official DROP COLUMN search_text;
      CREATE OR REPLACE FUNCTION retorsion_official_search(name text, native_name text, aliases text[])
        RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN retorsion_fold(concat_ws(${separator}, name, native_name,
          array_to_string(aliases, ${separator})));
      ALTER TABLE official ADD COLUMN search_text text NOT NULL
        GENERATED ALWAYS AS (retorsion_official_search(name, native_name, aliases)) STORED;
      CREATE INDEX official_search_trgm_idx ON official USING gin (search_text gin_trgm_ops);
    `);
  }
}
