import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { decodeIntId } from '../common/global-id';
import { authorOf } from '../common/write-context';
import type { Context } from '../context';
import { ApiKey, CreatedApiKey } from './api-key.entity';
import { Role } from './role';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Authorized(Role.ADMIN)
  @Query(() => [ApiKey], { description: 'Every API key, revoked ones included. Admin only.' })
  apiKeys(@Ctx() { services }: Context): Promise<ApiKey[]> {
    return services.apiKeys.list();
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CreatedApiKey, { description: 'The key is returned here, once. Admin only.' })
  createApiKey(
    @Arg('name') name: string,
    @Arg('role', () => Role) role: Role,
    @Ctx() { services, caller, requestId }: Context,
  ): Promise<CreatedApiKey> {
    return services.apiKeys.create(name, role, authorOf(caller, requestId));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ApiKey, { description: 'Takes effect at once on every instance. Admin only.' })
  revokeApiKey(
    @Arg('id', () => ID) id: string,
    @Ctx() { services, caller, requestId }: Context,
  ): Promise<ApiKey> {
    return services.apiKeys.revoke(decodeIntId(id, 'ApiKey', 'id'), authorOf(caller, requestId));
  }
}
