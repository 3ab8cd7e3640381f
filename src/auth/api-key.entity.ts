import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { encodeGlobalId } from '../common/global-id';
import { DateTimeScalar } from '../common/scalars';
import { Node } from '../node/node.interface';
import { Role } from './role';

/** An API key's record. The key itself is never stored, only a hash of its secret part. */
@Entity('api_key')
@ObjectType({ implements: Node, simpleResolvers: true })
export class ApiKey implements Node {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Field()
  @Column({ type: 'text' })
  name!: string;

  @Field(() => Role)
  @Column({ type: 'text' })
  role!: Role;

  /** Public part of the key, used to find this row. */
  @Column({ type: 'text', unique: true })
  lookup!: string;

  @Column({ name: 'secret_hash', type: 'bytea' })
  secretHash!: Buffer;

  @Field(() => DateTimeScalar)
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'created_by_key_id', type: 'integer', nullable: true })
  createdByKeyId!: number | null;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column({ name: 'last_used_at', type: 'timestamptz', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column({ name: 'revoked_at', type: 'timestamptz', precision: 3, nullable: true })
  revokedAt!: Date | null;

  @Field(() => ID, { name: 'id', simple: false })
  get globalId(): string {
    return encodeGlobalId('ApiKey', this.id);
  }
}

@ObjectType({ simpleResolvers: true })
export class CreatedApiKey {
  @Field({ description: 'The key. Shown only here, once: store it now.' })
  key!: string;

  @Field(() => ApiKey)
  apiKey!: ApiKey;
}
