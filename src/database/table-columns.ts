/**
 * A table's columns, keyed by the row property each is read into: the one place that spells
 * them. Reads select through it (each column named after its property, which hydrate() and the
 * read planner read back), writes list their columns and values through it, and orders, filters
 * and parent links name their columns through it, so a column is renamed here and nowhere else.
 */
export class TableColumns<Property extends string> {
  /** Every property, in the order the map lists them. */
  readonly properties: readonly Property[];
  /** The SELECT list of every column (see select()); reads use it on every request. */
  readonly selectAll: string;

  constructor(
    readonly table: string,
    /** The alias the table goes by in reads, e.g. `m` in `measure m`. */
    readonly alias: string,
    private readonly columns: Readonly<Record<Property, string>>,
  ) {
    this.properties = Object.keys(columns) as Property[];
    this.selectAll = this.select(this.properties);
  }

  /** The table under its alias, for a FROM: `measure m`. */
  get from(): string {
    return `${this.table} ${this.alias}`;
  }

  /** The bare column name, for an INSERT's column list or an UPDATE's SET: `announced_on`. */
  name(property: Property): string {
    return this.columns[property];
  }

  /** The column under the table's alias (or another one): `m.announced_on`. */
  column(property: Property, alias = this.alias): string {
    return `${alias}.${this.columns[property]}`;
  }

  /** A SELECT list, each column named after its property: `m.announced_on AS "announcedOn"`. */
  select(properties: readonly Property[]): string {
    return properties
      .map((property) =>
        this.columns[property] === property
          ? this.column(property)
          : `${this.column(property)} AS "${property}"`,
      )
      .join(', ');
  }

  /**
   * An INSERT's column list and `$n` placeholders for `properties` of `record` (numbered from
   * `firstParam`), with the values in the same order: columns and values cannot drift apart.
   */
  insertOf<P extends Property>(
    record: Readonly<Record<P, unknown>>,
    properties: readonly P[],
    firstParam = 1,
  ): { columns: string; placeholders: string; values: unknown[] } {
    return {
      columns: properties.map((property) => this.columns[property]).join(', '),
      placeholders: properties.map((_property, i) => `$${firstParam + i}`).join(', '),
      values: properties.map((property) => record[property]),
    };
  }

  /** An UPDATE's `column = $n` list for `properties` of `record`, with the values in order. */
  assignmentsOf<P extends Property>(
    record: Readonly<Record<P, unknown>>,
    properties: readonly P[],
    firstParam = 1,
  ): { assignments: string; values: unknown[] } {
    return {
      assignments: properties
        .map((property, i) => `${this.columns[property]} = $${firstParam + i}`)
        .join(', '),
      values: properties.map((property) => record[property]),
    };
  }
}
