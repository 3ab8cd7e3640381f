import { Field, ID, ObjectType } from 'type-graphql';
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

/** What a government body or an official said, announcing or justifying measures. */
@Entity('statement')
@ObjectType({ implements: Node, simpleResolvers: true })
export class Statement implements Node {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Field(() => DateScalar)
  @Column({ name: 'issued_on', type: 'date' })
  issuedOn!: string;

  @Field(() => DatePrecision)
  @Column({ name: 'issued_on_precision', type: 'text', default: DatePrecision.DAY })
  issuedOnPrecision!: DatePrecision;

  @Column({ name: 'country_code', type: 'text' })
  countryCode!: string;

  @Field({ description: 'e.g. "Ministry of Foreign Affairs of the Russian Federation".' })
  @Column({ type: 'text' })
  issuer!: string;

  @Column({ name: 'speaker_id', type: 'integer', nullable: true })
  speakerId!: number | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  title!: string | null;

  @Field()
  @Column({ type: 'text' })
  text!: string;

  @Field(() => [String], { description: 'Verbatim quotes, as published.' })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  quotes!: string[];

  @Field(() => String, { nullable: true, description: 'BCP 47 language tag, e.g. "en", "ru".' })
  @Column({ type: 'text', nullable: true })
  language!: string | null;

  @Field(() => DateTimeScalar)
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Field(() => ID, { name: 'id', simple: false })
  get globalId(): string {
    return encodeGlobalId('Statement', this.id);
  }
}

export const StatementConnection = ConnectionType(Statement, 'Statement');
