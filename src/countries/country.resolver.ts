import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import { type Connection, counted, PageArgs, toConnection } from '../common/connection';
import type { MaybePromise } from '../common/loaders';
import type { Context } from '../context';
import { Measure, MeasureConnection } from '../measures/measure.entity';
import { MeasureFilter, MeasureOrder } from '../measures/measure.inputs';
import type { MeasureParent } from '../measures/measure.service';
import { Official, OfficialConnection } from '../officials/official.entity';
import { OfficialFilter } from '../officials/official.inputs';
import { Statement, StatementConnection } from '../statements/statement.entity';
import { Country, CountryConnection } from './country.entity';
import { COUNTRY_ORDER } from './country.service';

@Resolver(() => Country)
export class CountryResolver {
  @Query(() => Country, { nullable: true, description: 'By ISO alpha-2 code, in any case.' })
  country(
    @Arg('code') code: string,
    @Ctx() { services, loaders }: Context,
  ): MaybePromise<Country | null> {
    return loaders.countries.byCode.load(services.countries.normalizeCode(code, 'code'));
  }

  @Query(() => CountryConnection, { description: 'All ISO 3166-1 countries, by code.' })
  async countries(
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('region', () => String, { nullable: true, description: 'e.g. "Asia"; any case.' })
    region: string | null,
    @Ctx() { services }: Context,
  ): Promise<Connection<Country>> {
    const result = await services.countries.list(region, counted(page, info));
    return toConnection(result, COUNTRY_ORDER.id, () => services.countries.count(region));
  }

  @FieldResolver(() => OfficialConnection, {
    description: 'Officials of this nationality, by name.',
  })
  async officials(
    @Root() country: Country,
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => OfficialFilter, { nullable: true }) filter: OfficialFilter | null,
    @Ctx() { services, loaders }: Context,
  ): Promise<Connection<Official>> {
    const query = services.officials.prepareList(filter, counted(page, info));
    const result = await loaders.officials.pageOfCountry(query).load(country.code);
    return toConnection(result, query.orderId, () =>
      loaders.officials.countOfCountry(query).load(country.code),
    );
  }

  @FieldResolver(() => MeasureConnection, { description: 'Measures this country imposed.' })
  measuresImposed(
    @Root() country: Country,
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => MeasureFilter, { nullable: true }) filter: MeasureFilter | null,
    @Arg('orderBy', () => MeasureOrder, { nullable: true }) orderBy: MeasureOrder | null,
    @Ctx() context: Context,
  ): Promise<Connection<Measure>> {
    return measuresOf('imposedBy', country, counted(page, info), filter, orderBy, context);
  }

  @FieldResolver(() => MeasureConnection, {
    description: 'Measures whose targetCountry is this one.',
  })
  measuresReceived(
    @Root() country: Country,
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => MeasureFilter, { nullable: true }) filter: MeasureFilter | null,
    @Arg('orderBy', () => MeasureOrder, { nullable: true }) orderBy: MeasureOrder | null,
    @Ctx() context: Context,
  ): Promise<Connection<Measure>> {
    return measuresOf('targetCountry', country, counted(page, info), filter, orderBy, context);
  }

  @FieldResolver(() => StatementConnection, {
    description: 'Statements of this country, newest first.',
  })
  async statements(
    @Root() country: Country,
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Ctx() { services, loaders }: Context,
  ): Promise<Connection<Statement>> {
    const query = services.statements.prepareList({}, counted(page, info));
    const result = await loaders.statements.pageOf('country', query).load(country.code);
    return toConnection(result, query.orderId, () =>
      loaders.statements.countOf('country', query).load(country.code),
    );
  }
}

async function measuresOf(
  parent: MeasureParent,
  country: Country,
  page: PageArgs,
  filter: MeasureFilter | null,
  orderBy: MeasureOrder | null,
  { services, loaders }: Context,
): Promise<Connection<Measure>> {
  const query = services.measures.prepareList(filter, orderBy, page);
  const result = await loaders.measures.pageOf(parent, query).load(country.code);
  return toConnection(result, query.orderId, () =>
    loaders.measures.countOf(parent, query).load(country.code),
  );
}
