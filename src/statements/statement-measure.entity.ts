import { Entity, PrimaryColumn } from 'typeorm';

/** A statement announces or justifies a measure. */
@Entity('statement_measure')
export class StatementMeasure {
  @PrimaryColumn({ name: 'statement_id', type: 'integer' })
  statementId!: number;

  @PrimaryColumn({ name: 'measure_id', type: 'integer' })
  measureId!: number;
}
