import { Field, InputType } from 'type-graphql';
import { CountryCode, MaxItems, Pattern, Text } from '../common/validation';
import { OfficialCategory } from './official-category';

@InputType()
export class OfficialFilter {
  @Field(() => [String], {
    nullable: true,
    description: 'Country codes (nationality / country served).',
  })
  country?: string[] | null;

  @Field(() => [OfficialCategory], { nullable: true })
  category?: OfficialCategory[] | null;

  @Field(() => String, {
    nullable: true,
    description: 'Substring of name, nativeName or an alias; ignores case and accents.',
  })
  name?: string | null;
}

@InputType()
export class AddOfficialInput {
  @Field({ description: 'As commonly written in English.' })
  @Text({ max: 200 })
  name!: string;

  @Field(() => String, { nullable: true, description: 'In its own script, e.g. 岸田文雄.' })
  @Text({ max: 200 })
  nativeName?: string | null;

  @Field(() => [String], { nullable: true, description: 'Transliterations, other spellings.' })
  @MaxItems(50)
  @Text({ max: 200, each: true })
  aliases?: string[] | null;

  @Field({ description: 'Country code: nationality, or the country they serve.' })
  @CountryCode()
  country!: string;

  @Field(() => String, { nullable: true })
  @Text({ max: 200 })
  position?: string | null;

  @Field(() => OfficialCategory)
  category!: OfficialCategory;

  @Field(() => String, { nullable: true, description: 'Wikidata Q-number, e.g. "Q7747".' })
  @Pattern(/^Q[1-9][0-9]{0,11}$/, 'a Wikidata item id such as "Q7747"')
  wikidataId?: string | null;
}
