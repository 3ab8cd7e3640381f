import { Field, ID, Int, ObjectType } from 'type-graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { DatePrecision } from '../common/date-precision';
import { ConnectionType } from '../common/connection';
import { encodeGlobalId } from '../common/global-id';
import { DateScalar, DateTimeScalar } from '../common/scalars';
import { Node } from '../node/node.interface';
import { MeasureKind, MeasureStatus } from './measure.enums';

/**
 * One act of one country. Links (countries, targets, the measure it answers, statements,
 * sources) are resolved through per-request loaders in MeasureResolver.
 */
@Entity('measure')
@ObjectType({ implements: Node, simpleResolvers: true })
export class Measure implements Node {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Field(() => MeasureKind)
  @Column({ type: 'text' })
  kind!: MeasureKind;

  @Field()
  @Column({ type: 'text' })
  title!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  summary!: string | null;

  @Column({ name: 'imposed_by_code', type: 'text' })
  imposedByCode!: string;

  @Column({ name: 'target_country_code', type: 'text', nullable: true })
  targetCountryCode!: string | null;

  @Column({ name: 'beneficiary_country_code', type: 'text', nullable: true })
  beneficiaryCountryCode!: string | null;

  @Field(() => Int, {
    description:
      'How many people or entities the measure covers, named or not; 0 when its sources give no number.',
  })
  @Column({ name: 'target_count', type: 'integer' })
  targetCount!: number;

  @Field(() => DateScalar)
  @Column({ name: 'announced_on', type: 'date' })
  announcedOn!: string;

  @Field(() => DatePrecision)
  @Column({ name: 'announced_on_precision', type: 'text', default: DatePrecision.DAY })
  announcedOnPrecision!: DatePrecision;

  @Field(() => DateScalar, { nullable: true })
  @Column({ name: 'effective_from', type: 'date', nullable: true })
  effectiveFrom!: string | null;

  @Field(() => DateScalar, {
    nullable: true,
    description: 'Null together with indefinite=true: no end.',
  })
  @Column({ name: 'expires_on', type: 'date', nullable: true })
  expiresOn!: string | null;

  @Field()
  @Column({ type: 'boolean', default: false })
  indefinite!: boolean;

  @Field(() => MeasureStatus, {
    description: 'EXPIRED from the day after expiresOn (UTC), unless lifted before.',
  })
  @Column({ type: 'text' })
  status!: MeasureStatus;

  @Field(() => DateScalar, { nullable: true })
  @Column({ name: 'lifted_on', type: 'date', nullable: true })
  liftedOn!: string | null;

  @Column({ name: 'in_response_to_id', type: 'integer', nullable: true })
  inResponseToId!: number | null;

  /** Idempotency key of the client that recorded it; unique. */
  @Column({ name: 'external_id', type: 'text', nullable: true, unique: true })
  externalId!: string | null;

  @Field(() => DateTimeScalar)
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Field(() => ID, { name: 'id', simple: false })
  get globalId(): string {
    return encodeGlobalId('Measure', this.id);
  }
}

export const MeasureConnection = ConnectionType(Measure, 'Measure');
