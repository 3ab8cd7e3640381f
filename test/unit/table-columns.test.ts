import { getMetadataArgsStorage } from 'typeorm';
import { TableColumns } from '../../src/database/table-columns';
import { MeasureTarget } from '../../src/measures/measure-target.entity';
import { MEASURE_TABLE, MEASURE_TARGET_TABLE } from '../../src/measures/measure.columns';
import { Measure } from '../../src/measures/measure.entity';
import { OFFICIAL_COLUMNS, OFFICIAL_TABLE } from '../../src/officials/official.columns';
import { Official } from '../../src/officials/official.entity';
import { StatementMeasure } from '../../src/statements/statement-measure.entity';
import { STATEMENT_MEASURE_TABLE, STATEMENT_TABLE } from '../../src/statements/statement.columns';
import { Statement } from '../../src/statements/statement.entity';

/**
 * The column maps spell the columns the SQL uses; the entities spell the ones TypeORM (and the
 * migrations' author) knows. These tests keep the two from drifting apart, with no database.
 */
describe.each([
  ['measure', Measure, MEASURE_TABLE],
  ['official', Official, OFFICIAL_TABLE],
  ['statement', Statement, STATEMENT_TABLE],
  ['measure_target', MeasureTarget, MEASURE_TARGET_TABLE],
  ['statement_measure', StatementMeasure, STATEMENT_MEASURE_TABLE],
] as const)('the %s column map', (table, entity, map: TableColumns<string>) => {
  const metadata = getMetadataArgsStorage();

  it("names the entity's table", () => {
    const entityTable = metadata.tables.find((t) => t.target === entity);
    expect(entityTable?.name).toBe(table);
    expect(map.table).toBe(table);
  });

  it('maps every entity column to the column name the entity gives it', () => {
    const fromEntity = Object.fromEntries(
      metadata.columns
        .filter((column) => column.target === entity)
        .map((column) => [column.propertyName, column.options.name ?? column.propertyName]),
    );
    const fromMap = Object.fromEntries(map.properties.map((p) => [p, map.name(p)]));
    expect(fromMap).toEqual(fromEntity);
  });
});

describe('TableColumns', () => {
  const table = new TableColumns('measure', 'm', {
    id: 'id',
    announcedOn: 'announced_on',
    targetCount: 'target_count',
  });

  it('selects each column under its property name, unquoted where they are the same', () => {
    expect(table.selectAll).toBe(
      'm.id, m.announced_on AS "announcedOn", m.target_count AS "targetCount"',
    );
    expect(table.select(['targetCount', 'id'])).toBe('m.target_count AS "targetCount", m.id');
  });

  it('qualifies a column by the alias, or by another one', () => {
    expect(table.from).toBe('measure m');
    expect(table.column('announcedOn')).toBe('m.announced_on');
    expect(table.column('announcedOn', 'x')).toBe('x.announced_on');
    expect(table.name('announcedOn')).toBe('announced_on');
  });

  it('lists an INSERT’s columns, placeholders and values in one order', () => {
    const record = { id: 7, announcedOn: '2024-01-02', targetCount: 3 };
    expect(table.insertOf(record, ['targetCount', 'announcedOn'], 3)).toEqual({
      columns: 'target_count, announced_on',
      placeholders: '$3, $4',
      values: [3, '2024-01-02'],
    });
  });

  it('lists an UPDATE’s assignments and values in one order', () => {
    const record = { id: 7, announcedOn: '2024-01-02', targetCount: 3 };
    expect(table.assignmentsOf(record, ['announcedOn', 'targetCount'])).toEqual({
      assignments: 'announced_on = $1, target_count = $2',
      values: ['2024-01-02', 3],
    });
  });
});

describe('OFFICIAL_COLUMNS', () => {
  it('leaves out the timestamps, which only the audit trail reads', () => {
    expect(OFFICIAL_COLUMNS).not.toMatch(/created_at|updated_at/);
    expect(OFFICIAL_COLUMNS).toContain('o.native_name AS "nativeName"');
  });
});
