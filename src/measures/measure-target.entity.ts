import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A named target of a measure; `position` keeps the order the source lists them in. */
@Entity('measure_target')
export class MeasureTarget {
  @PrimaryColumn({ name: 'measure_id', type: 'integer' })
  measureId!: number;

  @PrimaryColumn({ name: 'official_id', type: 'integer' })
  officialId!: number;

  @Column({ type: 'integer' })
  position!: number;
}
