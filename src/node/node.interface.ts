import { Field, ID, InterfaceType } from 'type-graphql';

/** Relay's Node: anything with a global ID can be fetched again through `node(id)`. */
@InterfaceType('Node', {
  description: 'An object with a globally unique, opaque ID, refetchable with `node(id:)`.',
})
export abstract class Node {
  @Field(() => ID, { name: 'id', description: 'Opaque global ID.' })
  globalId!: string;
}
