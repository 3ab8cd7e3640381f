import { Arg, Ctx, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../context';
import { Statement } from './statement.entity';
import type { StatementEvent } from './statement.feed';

interface AddedArgs {
  country?: string[] | null;
  since?: string | null;
}

@Resolver()
export class StatementSubscriptionResolver {
  @Subscription(() => Statement, {
    description:
      'New statements as they are committed, of the given countries (all if omitted). With ' +
      '`since` (the ID of the last statement seen) the missed ones are replayed first.',
    subscribe: ({ args, context }) =>
      (context as Context).services.statementFeed.subscribeAdded(
        (args as AddedArgs).country,
        (args as AddedArgs).since,
      ),
  })
  statementAdded(
    @Root() event: StatementEvent,
    @Arg('country', () => [String], { nullable: true }) _country: string[] | null,
    @Arg('since', () => ID, { nullable: true }) _since: string | null,
    @Ctx() context: Context,
  ): Statement {
    context.loaders = event.shared;
    return event.node;
  }
}
