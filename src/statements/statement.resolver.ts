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
import { Measure } from '../measures/measure.entity';
import { Official } from '../officials/official.entity';
import { Source } from '../sources/source.entity';
import { Statement, StatementConnection } from './statement.entity';
import { AddStatementInput } from './statement.inputs';

@Resolver(() => Statement)
export class StatementResolver {
  @Query(() => Statement, { nullable: true })
  statement(
    @Arg('id', () => ID) id: string,
    @Ctx() { services, loaders }: Context,
  ): Promise<Statement | null> {
    return loaders.statements.byId.load(services.statements.decodeId(id));
  }

  @Query(() => StatementConnection, { description: 'Statements, newest first.' })
  async statements(
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('country', () => [String], { nullable: true, description: 'Country codes.' })
    country: string[] | null,
    @Arg('from', () => DateScalar, { nullable: true, description: 'Issued on or after.' })
    from: string | null,
    @Arg('to', () => DateScalar, { nullable: true, description: 'Issued on or before.' })
    to: string | null,
    @Ctx() { services }: Context,
  ): Promise<Connection<Statement>> {
    const query = services.statements.prepareList({ country, from, to }, counted(page, info));
    const result = await services.statements.list(query);
    return toConnection(result, query.orderId, () => services.statements.count(query.filter));
  }

  @FieldResolver(() => Country)
  country(@Root() statement: Statement, @Ctx() { loaders }: Context): MaybePromise<Country | null> {
    return loaders.countries.byCode.load(statement.countryCode);
  }

  @FieldResolver(() => Official, { nullable: true, description: 'When a named person spoke.' })
  speaker(
    @Root() statement: Statement,
    @Ctx() { loaders }: Context,
  ): Promise<Official | null> | null {
    return statement.speakerId ? loaders.officials.byId.load(statement.speakerId) : null;
  }

  @FieldResolver(() => [Measure])
  measures(@Root() statement: Statement, @Ctx() { loaders }: Context): Promise<Measure[]> {
    return loaders.measures.ofStatement.load(statement.id);
  }

  @FieldResolver(() => [Source])
  sources(@Root() statement: Statement, @Ctx() { loaders }: Context): Promise<Source[]> {
    return loaders.sources.ofStatement.load(statement.id);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => Statement, {
    description: 'Records a statement, linked to the measures it concerns. Editor or admin.',
  })
  async addStatement(
    @Arg('input', () => AddStatementInput) input: AddStatementInput,
    @Ctx() context: Context,
  ): Promise<Statement> {
    const id = await context.services.statementWriter.add(
      input,
      authorOf(context.caller, context.requestId),
    );
    return reloadWritten(context, (loaders) => loaders.statements.byId, id);
  }
}
