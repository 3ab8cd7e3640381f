import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { DateScalar } from '../common/scalars';

/** Provenance: a human-readable citation, with a URL only where one is known. */
@Entity('source')
@ObjectType({
  simpleResolvers: true,
  description:
    'Provenance: a human-readable citation, with a URL, publisher and date where they are known. No URL is ever made up.',
})
export class Source {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'measure_id', type: 'integer', nullable: true })
  measureId!: number | null;

  @Column({ name: 'statement_id', type: 'integer', nullable: true })
  statementId!: number | null;

  @Field()
  @Column({ type: 'text' })
  title!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  url!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  publisher!: string | null;

  @Field(() => DateScalar, { nullable: true })
  @Column({ name: 'published_on', type: 'date', nullable: true })
  publishedOn!: string | null;
}
