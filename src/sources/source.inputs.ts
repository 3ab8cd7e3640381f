import { Field, InputType } from 'type-graphql';
import { DateScalar } from '../common/scalars';
import { HttpUrl, Text } from '../common/validation';

/** A citation. Leave `url` out rather than guessing one: no URL is ever made up. */
@InputType()
export class SourceInput {
  @Field({ description: 'Human-readable citation, e.g. "Kyodo News, 4 May 2022".' })
  @Text({ max: 500 })
  title!: string;

  @Field(() => String, {
    nullable: true,
    description: 'http(s) only, and only where one is known.',
  })
  @HttpUrl()
  url?: string | null;

  @Field(() => String, { nullable: true })
  @Text({ max: 200 })
  publisher?: string | null;

  @Field(() => DateScalar, { nullable: true })
  publishedOn?: string | null;
}
