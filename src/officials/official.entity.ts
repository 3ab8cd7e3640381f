import { Field, ID, ObjectType } from 'type-graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { ConnectionType } from '../common/connection';
import { encodeGlobalId } from '../common/global-id';
import { Node } from '../node/node.interface';
import { OfficialCategory } from './official-category';

/** A named person a measure targets or who speaks for a country. */
@Entity('official')
@ObjectType({ implements: Node, simpleResolvers: true })
export class Official implements Node {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Field({ description: 'The name as commonly written in English.' })
  @Column({ type: 'text' })
  name!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The name in its own script, e.g. 岸田文雄.',
  })
  @Column({ name: 'native_name', type: 'text', nullable: true })
  nativeName!: string | null;

  @Field(() => [String], { description: 'Transliterations and other spellings.' })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  aliases!: string[];

  @Column({ name: 'country_code', type: 'text' })
  countryCode!: string;

  @Field(() => String, { nullable: true, description: 'e.g. "Prime Minister".' })
  @Column({ type: 'text', nullable: true })
  position!: string | null;

  @Field(() => OfficialCategory)
  @Column({ type: 'text' })
  category!: OfficialCategory;

  @Field(() => String, { nullable: true, description: 'Wikidata Q-number, where known.' })
  @Column({ name: 'wikidata_id', type: 'text', nullable: true })
  wikidataId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Field(() => ID, { name: 'id', simple: false })
  get globalId(): string {
    return encodeGlobalId('Official', this.id);
  }
}

export const OfficialConnection = ConnectionType(Official, 'Official');
