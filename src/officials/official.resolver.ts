import type { GraphQLResolveInfo } from 'graphql';
import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Info,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Role } from '../auth/role';
import { type Connection, counted, PageArgs, toConnection } from '../common/connection';
import type { MaybePromise } from '../common/loaders';
import { authorOf, reloadWritten } from '../common/write-context';
import type { Context } from '../context';
import { Country } from '../countries/country.entity';
import { Measure, MeasureConnection } from '../measures/measure.entity';
import { MeasureOrder } from '../measures/measure.inputs';
import { Statement, StatementConnection } from '../statements/statement.entity';
import { Official, OfficialConnection } from './official.entity';
import { AddOfficialInput, OfficialFilter } from './official.inputs';

@Resolver(() => Official)
export class OfficialResolver {
  @Query(() => Official, { nullable: true })
  official(
    @Arg('id', () => ID) id: string,
    @Ctx() { services, loaders }: Context,
  ): Promise<Official | null> {
    return loaders.officials.byId.load(services.officials.decodeId(id));
  }

  @Query(() => OfficialConnection, { description: 'Officials by name.' })
  async officials(
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => OfficialFilter, { nullable: true }) filter: OfficialFilter | null,
    @Ctx() { services }: Context,
  ): Promise<Connection<Official>> {
    const query = services.officials.prepareList(filter, counted(page, info));
    const result = await services.officials.list(query);
    return toConnection(result, query.orderId, () => services.officials.count(query.filter));
  }

  @FieldResolver(() => Country, { description: 'Nationality, or the country they serve.' })
  country(@Root() official: Official, @Ctx() { loaders }: Context): MaybePromise<Country | null> {
    return loaders.countries.byCode.load(official.countryCode);
  }

  @FieldResolver(() => MeasureConnection, { description: 'Measures that name this official.' })
  async measures(
    @Root() official: Official,
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('orderBy', () => MeasureOrder, { nullable: true }) orderBy: MeasureOrder | null,
    @Ctx() { services, loaders }: Context,
  ): Promise<Connection<Measure>> {
    const query = services.measures.prepareList(null, orderBy, counted(page, info));
    const result = await loaders.measures.pageOf('targetOfficial', query).load(official.id);
    return toConnection(result, query.orderId, () =>
      loaders.measures.countOf('targetOfficial', query).load(official.id),
    );
  }

  @FieldResolver(() => StatementConnection, { description: 'Statements this official made.' })
  async statements(
    @Root() official: Official,
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Ctx() { services, loaders }: Context,
  ): Promise<Connection<Statement>> {
    const query = services.statements.prepareList({}, counted(page, info));
    const result = await loaders.statements.pageOf('speaker', query).load(official.id);
    return toConnection(result, query.orderId, () =>
      loaders.statements.countOf('speaker', query).load(official.id),
    );
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => Official, { description: 'Records a named person. Editor or admin.' })
  async addOfficial(
    @Arg('input', () => AddOfficialInput) input: AddOfficialInput,
    @Ctx() context: Context,
  ): Promise<Official> {
    const id = await context.services.officialWriter.add(
      input,
      authorOf(context.caller, context.requestId),
    );
    return reloadWritten(context, (loaders) => loaders.officials.byId, id);
  }
}
