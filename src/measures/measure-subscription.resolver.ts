import { Arg, Ctx, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../context';
import { Measure } from './measure.entity';
import type { MeasureEvent } from './measure.feed';
import { MeasureFilter } from './measure.inputs';

interface AddedArgs {
  filter?: MeasureFilter | null;
  since?: string | null;
}

/** Live measures over graphql-ws; see MeasureFeed and live/topic.ts for the guarantees. */
@Resolver()
export class MeasureSubscriptionResolver {
  @Subscription(() => Measure, {
    description:
      'New measures as they are committed, matching the filter exactly as the measures query ' +
      'does. With `since` (the ID of the last measure the client saw) every matching measure ' +
      'committed after it is replayed first, in commit order, then live ones follow: none is ' +
      'lost or sent twice, whichever instance the client reaches.',
    subscribe: ({ args, context }) =>
      (context as Context).services.measureFeed.subscribeAdded(
        (args as AddedArgs).filter,
        (args as AddedArgs).since,
      ),
  })
  measureAdded(
    @Root() event: MeasureEvent,
    @Arg('filter', () => MeasureFilter, { nullable: true }) _filter: MeasureFilter | null,
    @Arg('since', () => ID, { nullable: true }) _since: string | null,
    @Ctx() context: Context,
  ): Measure {
    context.loaders = event.shared; // fresh loaders for every batch of events
    return event.node;
  }

  @Subscription(() => Measure, {
    description:
      'Measures whose fields, links or status changed (amended, lifted, expired), matching the filter.',
    subscribe: ({ args, context }) =>
      (context as Context).services.measureFeed.subscribeUpdated((args as AddedArgs).filter),
  })
  measureUpdated(
    @Root() event: MeasureEvent,
    @Arg('filter', () => MeasureFilter, { nullable: true }) _filter: MeasureFilter | null,
    @Ctx() context: Context,
  ): Measure {
    context.loaders = event.shared;
    return event.node;
  }
}
