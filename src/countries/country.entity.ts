import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ConnectionType } from '../common/connection';
import { encodeGlobalId } from '../common/global-id';
import { Node } from '../node/node.interface';

/** An ISO 3166-1 country, keyed by its alpha-2 code. Reference data: seeded, never written by the API. */
@Entity('country')
@ObjectType({ implements: Node, simpleResolvers: true })
export class Country implements Node {
  @Field({ description: 'ISO 3166-1 alpha-2 code, upper case, e.g. "JP".' })
  @PrimaryColumn({ type: 'text' })
  code!: string;

  @Field({ description: 'ISO 3166-1 alpha-3 code, e.g. "JPN".' })
  @Column({ type: 'text', unique: true })
  alpha3!: string;

  @Field({ description: 'English short name, as in ISO 3166-1.' })
  @Column({ type: 'text' })
  name!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Continent: Africa, Americas, Antarctic, Asia, Europe or Oceania.',
  })
  @Column({ type: 'text', nullable: true })
  region!: string | null;

  @Field(() => ID, { name: 'id', simple: false })
  get globalId(): string {
    return encodeGlobalId('Country', this.code);
  }
}

export const CountryConnection = ConnectionType(Country, 'Country');
