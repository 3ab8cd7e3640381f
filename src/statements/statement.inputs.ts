import { ValidateNested } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { DatePrecision } from '../common/date-precision';
import { DateScalar } from '../common/scalars';
import { CountryCode, MaxItems, MinItems, Pattern, Text } from '../common/validation';
import { SourceInput } from '../sources/source.inputs';

@InputType()
export class AddStatementInput {
  @Field(() => DateScalar)
  issuedOn!: string;

  @Field(() => DatePrecision, { nullable: true, defaultValue: DatePrecision.DAY })
  issuedOnPrecision?: DatePrecision | null;

  @Field({ description: 'Country code of the country speaking.' })
  @CountryCode()
  country!: string;

  @Field({ description: 'e.g. "Ministry of Foreign Affairs of the Russian Federation".' })
  @Text({ max: 300 })
  issuer!: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The official who spoke, if a named person did.',
  })
  speakerId?: string | null;

  @Field(() => String, { nullable: true })
  @Text({ max: 500 })
  title?: string | null;

  @Field()
  @Text({ max: 100_000, multiline: true })
  text!: string;

  @Field(() => [String], { nullable: true, description: 'Verbatim quotes, as published.' })
  @MaxItems(100)
  @Text({ max: 5_000, multiline: true, each: true })
  quotes?: string[] | null;

  @Field(() => String, { nullable: true, description: 'BCP 47 language tag, e.g. "en", "ru".' })
  @Pattern(
    /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,4}$/,
    'a BCP 47 language tag such as "en" or "pt-BR"',
  )
  language?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description: 'Measures this statement announces or justifies.',
  })
  @MaxItems(100)
  measureIds?: string[] | null;

  @Field(() => [SourceInput])
  @MinItems(1)
  @MaxItems(50)
  @ValidateNested({ each: true })
  sources!: SourceInput[];
}
