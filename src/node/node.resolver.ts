import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/role';
import { badUserInput } from '../common/errors';
import { decodeGlobalId } from '../common/global-id';
import type { Context } from '../context';
import { Node } from './node.interface';

const MAX_NODES = 100;

@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description: 'Any object by its global ID; null if it does not exist.',
  })
  node(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<Node | null> {
    return loadNode(id, 'id', context);
  }

  @Query(() => [Node], {
    nullable: 'items',
    description: `Up to ${MAX_NODES} objects, in the order asked.`,
  })
  nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() context: Context): Promise<(Node | null)[]> {
    if (ids.length > MAX_NODES) {
      throw badUserInput('ids', `At most ${MAX_NODES} IDs, got ${ids.length}.`);
    }
    // Decode all first: one malformed ID fails the field before anything is loaded.
    const decoded = ids.map((id, i) => decodeGlobalId(id, `ids[${i}]`));
    return Promise.all(decoded.map(({ type, key }) => loadDecoded(type, key, context)));
  }
}

function loadNode(id: string, field: string, context: Context): Promise<Node | null> {
  const { type, key } = decodeGlobalId(id, field);
  return loadDecoded(type, key, context);
}

async function loadDecoded(
  type: string,
  key: string,
  { loaders, caller }: Context,
): Promise<Node | null> {
  switch (type) {
    case 'ApiKey':
      // Keys are visible to admins only; to anyone else they do not exist.
      if (caller?.role !== Role.ADMIN) return null;
      return loaders.apiKeys.byId.load(Number(key));
    case 'Country':
      return loaders.countries.byCode.load(key);
    case 'Official':
      return loaders.officials.byId.load(Number(key));
    case 'Measure':
      return loaders.measures.byId.load(Number(key));
    case 'Statement':
      return loaders.statements.byId.load(Number(key));
    default:
      return null;
  }
}
