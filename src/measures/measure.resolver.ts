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
import { DateScalar } from '../common/scalars';
import { authorOf, reloadWritten } from '../common/write-context';
import type { Context } from '../context';
import { Country } from '../countries/country.entity';
import { Official, OfficialConnection } from '../officials/official.entity';
import { Source } from '../sources/source.entity';
import { Statement } from '../statements/statement.entity';
import { Measure, MeasureConnection } from './measure.entity';
import { AddMeasureInput, MeasureFilter, MeasureOrder, UpdateMeasureInput } from './measure.inputs';

@Resolver(() => Measure)
export class MeasureResolver {
  @Query(() => Measure, { nullable: true })
  measure(
    @Arg('id', () => ID) id: string,
    @Ctx() { services, loaders }: Context,
  ): Promise<Measure | null> {
    return loaders.measures.byId.load(services.measures.decodeId(id));
  }

  @Query(() => MeasureConnection)
  async measures(
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => MeasureFilter, { nullable: true }) filter: MeasureFilter | null,
    @Arg('orderBy', () => MeasureOrder, { nullable: true }) orderBy: MeasureOrder | null,
    @Ctx() { services }: Context,
  ): Promise<Connection<Measure>> {
    const query = services.measures.prepareList(filter, orderBy, counted(page, info));
    const result = await services.measures.list(query);
    return toConnection(result, query.orderId, () => services.measures.count(query.filter));
  }

  @FieldResolver(() => Country)
  imposedBy(@Root() measure: Measure, @Ctx() { loaders }: Context): MaybePromise<Country | null> {
    return loaders.countries.byCode.load(measure.imposedByCode);
  }

  @FieldResolver(() => Country, {
    nullable: true,
    description:
      'The country aimed at, or whose nationals are targeted; null without a country focus.',
  })
  targetCountry(
    @Root() measure: Measure,
    @Ctx() { loaders }: Context,
  ): MaybePromise<Country | null> {
    return measure.targetCountryCode
      ? loaders.countries.byCode.load(measure.targetCountryCode)
      : null;
  }

  @FieldResolver(() => Country, { nullable: true, description: 'For AID: the country helped.' })
  beneficiaryCountry(
    @Root() measure: Measure,
    @Ctx() { loaders }: Context,
  ): MaybePromise<Country | null> {
    return measure.beneficiaryCountryCode
      ? loaders.countries.byCode.load(measure.beneficiaryCountryCode)
      : null;
  }

  @FieldResolver(() => OfficialConnection, { description: 'The named people, in recorded order.' })
  async targets(
    @Root() measure: Measure,
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Ctx() { services, loaders }: Context,
  ): Promise<Connection<Official>> {
    const window = services.officials.targetsWindow(counted(page, info));
    const result = await loaders.officials.targetsOfMeasure(window).load(measure.id);
    return toConnection(result, services.officials.targetsOrderId, () =>
      loaders.officials.targetCountOfMeasure.load(measure.id),
    );
  }

  @FieldResolver(() => Measure, { nullable: true, description: 'The measure this one answers.' })
  inResponseTo(
    @Root() measure: Measure,
    @Ctx() { loaders }: Context,
  ): Promise<Measure | null> | null {
    return measure.inResponseToId ? loaders.measures.byId.load(measure.inResponseToId) : null;
  }

  @FieldResolver(() => [Measure], { description: 'Measures that answer this one, oldest first.' })
  responses(@Root() measure: Measure, @Ctx() { loaders }: Context): Promise<Measure[]> {
    return loaders.measures.responses.load(measure.id);
  }

  @FieldResolver(() => [Statement], { description: 'Statements that announce or justify it.' })
  statements(@Root() measure: Measure, @Ctx() { loaders }: Context): Promise<Statement[]> {
    return loaders.statements.ofMeasure.load(measure.id);
  }

  @FieldResolver(() => [Source])
  sources(@Root() measure: Measure, @Ctx() { loaders }: Context): Promise<Source[]> {
    return loaders.sources.ofMeasure.load(measure.id);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => Measure, {
    description:
      'Records a measure and everything it links to, in one transaction. Editor or admin.',
  })
  async addMeasure(
    @Arg('input', () => AddMeasureInput) input: AddMeasureInput,
    @Ctx() context: Context,
  ): Promise<Measure> {
    const id = await context.services.measureWriter.add(
      input,
      authorOf(context.caller, context.requestId),
    );
    return reloadWritten(context, (loaders) => loaders.measures.byId, id);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => Measure, {
    description: 'Amends a measure; see UpdateMeasureInput. Editor or admin.',
  })
  async updateMeasure(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateMeasureInput) input: UpdateMeasureInput,
    @Ctx() context: Context,
  ): Promise<Measure> {
    const measureId = context.services.measures.decodeId(id);
    await context.services.measureWriter.update(
      measureId,
      input,
      authorOf(context.caller, context.requestId),
    );
    return reloadWritten(context, (loaders) => loaders.measures.byId, measureId);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => Measure, {
    description:
      'Marks a measure LIFTED; CONFLICT if it already is. Optionally links the statement announcing it.',
  })
  async liftMeasure(
    @Arg('id', () => ID) id: string,
    @Arg('liftedOn', () => DateScalar) liftedOn: string,
    @Arg('statementId', () => ID, { nullable: true }) statementId: string | null,
    @Ctx() context: Context,
  ): Promise<Measure> {
    const measureId = context.services.measures.decodeId(id);
    await context.services.measureWriter.lift(
      measureId,
      liftedOn,
      statementId,
      authorOf(context.caller, context.requestId),
    );
    return reloadWritten(context, (loaders) => loaders.measures.byId, measureId);
  }
}
