import { Field, ID, InputType } from 'type-graphql';
import { OrderDirection } from '../common/ordering';
import { DateScalar } from '../common/scalars';
import { MeasureKind, MeasureOrderField, MeasureStatus } from './measure.enums';

/** Every condition given must hold; within a list, any value matches. */
@InputType()
export class MeasureFilter {
  @Field(() => [String], { nullable: true, description: 'Country codes of the imposing country.' })
  imposedBy?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Country codes of the target country.' })
  targetCountry?: string[] | null;

  @Field(() => [MeasureKind], { nullable: true })
  kind?: MeasureKind[] | null;

  @Field(() => [MeasureStatus], { nullable: true })
  status?: MeasureStatus[] | null;

  @Field(() => DateScalar, { nullable: true, description: 'announcedOn on or after this date.' })
  announcedFrom?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'announcedOn on or before this date.' })
  announcedTo?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only measures naming this official.' })
  targetsOfficial?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Full-text search over title and summary (English stemming; "quotes", OR, -not).',
  })
  text?: string | null;
}

@InputType({
  description: 'Default: ANNOUNCED_ON DESC. Ties are broken by id, in the same direction.',
})
export class MeasureOrder {
  @Field(() => MeasureOrderField)
  field!: MeasureOrderField;

  @Field(() => OrderDirection)
  direction!: OrderDirection;
}
