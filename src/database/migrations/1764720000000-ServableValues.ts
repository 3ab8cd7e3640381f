import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Values the API can serve, enforced by the database: every date within years 0001-9999 (what
 * the Date and DateTime scalars can write; the API never accepts others, but a row written by
 * SQL could hold 12000-01-01 or a BC date and then break every answer that includes it), and no
 * NULL inside the lists of strings (`aliases`, `quotes` are [String!]!).
 */
const DATES: [table: string, column: string][] = [
  ['measure', 'announced_on'],
  ['measure', 'effective_from'],
  ['measure', 'expires_on'],
  ['measure', 'lifted_on'],
  ['statement', 'issued_on'],
  ['source', 'published_on'],
];

const INSTANTS: [table: string, column: string][] = [
  ['measure', 'created_at'],
  ['measure', 'updated_at'],
  ['official', 'created_at'],
  ['official', 'updated_at'],
  ['statement', 'created_at'],
  ['statement', 'updated_at'],
];

const LISTS: [table: string, column: string][] = [
  ['official', 'aliases'],
  ['statement', 'quotes'],
];

export class ServableValues1764720000000 implements MigrationInterface {
  name = 'ServableValues1764720000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, column] of DATES) {
      await queryRunner.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_servable
           CHECK (${column} BETWEEN DATE '0001-01-01' AND DATE '9999-12-31')`,
      );
    }
    for (const [table, column] of INSTANTS) {
      await queryRunner.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_servable
           CHECK (${column} >= TIMESTAMPTZ '0001-01-01 00:00:00+00'
             AND ${column} < TIMESTAMPTZ '10000-01-01 00:00:00+00')`,
      );
    }
    for (const [table, column] of LISTS) {
      await queryRunner.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_servable
           CHECK (array_position(${column}, NULL) IS NULL)`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, column] of [...DATES, ...INSTANTS, ...LISTS]) {
      await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_servable`);
    }
  }
}
