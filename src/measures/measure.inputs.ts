import { Max, Min, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { DatePrecision } from '../common/date-precision';
import { OrderDirection } from '../common/ordering';
import { DateScalar } from '../common/scalars';
import { CountryCode, MaxItems, MinItems, Text } from '../common/validation';
import { AddOfficialInput } from '../officials/official.inputs';
import { SourceInput } from '../sources/source.inputs';
import { MeasureKind, MeasureOrderField, MeasureStatus } from './measure.enums';

/** Most named people one call may record; a larger list is split over several calls. */
export const MAX_TARGETS = 10_000;

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

/** The fields AddMeasureInput and UpdateMeasureInput share, optional in both. */
@InputType()
abstract class MeasureFieldsInput {
  @Field(() => String, { nullable: true })
  @Text({ max: 10_000, multiline: true })
  summary?: string | null;

  @Field(() => String, { nullable: true, description: 'Country code of the country aimed at.' })
  @CountryCode()
  targetCountry?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Country code; for AID, the country helped.',
  })
  @CountryCode()
  beneficiaryCountry?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Named targets already recorded.' })
  @MaxItems(MAX_TARGETS)
  targetOfficialIds?: string[] | null;

  @Field(() => [AddOfficialInput], {
    nullable: true,
    description: 'Named targets to record as officials in the same transaction.',
  })
  @MaxItems(MAX_TARGETS)
  @ValidateNested({ each: true })
  newTargets?: AddOfficialInput[] | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'How many the measure covers, named or not. Defaults to the number of named targets.',
  })
  @Min(0)
  @Max(1_000_000_000)
  targetCount?: number | null;

  @Field(() => DateScalar, { nullable: true })
  effectiveFrom?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'Leave out for an indefinite measure.' })
  expiresOn?: string | null;

  @Field(() => ID, { nullable: true, description: 'The measure this one answers.' })
  inResponseToId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Statements announcing or justifying it.' })
  @MaxItems(100)
  statementIds?: string[] | null;
}

@InputType()
export class AddMeasureInput extends MeasureFieldsInput {
  @Field(() => MeasureKind)
  kind!: MeasureKind;

  @Field()
  @Text({ max: 300 })
  title!: string;

  @Field({ description: 'Country code of the imposing country.' })
  @CountryCode()
  imposedBy!: string;

  @Field(() => DateScalar)
  announcedOn!: string;

  @Field(() => DatePrecision, { nullable: true, defaultValue: DatePrecision.DAY })
  announcedOnPrecision?: DatePrecision | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'No end date.' })
  indefinite?: boolean | null;

  @Field(() => MeasureStatus, { nullable: true, defaultValue: MeasureStatus.IN_FORCE })
  status?: MeasureStatus | null;

  @Field(() => [SourceInput], {
    description: 'At least one: nothing is recorded without provenance.',
  })
  @MinItems(1)
  @MaxItems(50)
  @ValidateNested({ each: true })
  sources!: SourceInput[];

  @Field(() => String, {
    nullable: true,
    description: 'Idempotency key: adding the same externalId again returns the existing measure.',
  })
  @Text({ max: 200 })
  externalId?: string | null;
}

/**
 * Omitted fields keep their value; null clears a nullable one. Giving targetOfficialIds or
 * newTargets replaces the named targets (in that order); giving sources or statementIds
 * replaces those lists.
 */
@InputType()
export class UpdateMeasureInput extends MeasureFieldsInput {
  @Field(() => MeasureKind, { nullable: true })
  kind?: MeasureKind | null;

  @Field(() => String, { nullable: true })
  @Text({ max: 300 })
  title?: string | null;

  @Field(() => String, { nullable: true })
  @CountryCode()
  imposedBy?: string | null;

  @Field(() => DateScalar, { nullable: true })
  announcedOn?: string | null;

  @Field(() => DatePrecision, { nullable: true })
  announcedOnPrecision?: DatePrecision | null;

  @Field(() => Boolean, { nullable: true })
  indefinite?: boolean | null;

  @Field(() => MeasureStatus, { nullable: true })
  status?: MeasureStatus | null;

  @Field(() => [SourceInput], { nullable: true })
  @MinItems(1)
  @MaxItems(50)
  @ValidateNested({ each: true })
  sources?: SourceInput[] | null;
}
