import { Field, InputType } from 'type-graphql';
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
