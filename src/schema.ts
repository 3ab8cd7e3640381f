import { type GraphQLSchema, printSchema } from 'graphql';
import { buildSchema, getMetadataStorage, type PubSub } from 'type-graphql';
import { ApiKeyResolver } from './auth/api-key.resolver';
import { authChecker } from './auth/auth-checker';
import { listEnumValuesInErrors } from './common/enum-values';
import { CountryResolver } from './countries/country.resolver';
import { MeasureSubscriptionResolver } from './measures/measure-subscription.resolver';
import { MeasureResolver } from './measures/measure.resolver';
import { NodeResolver } from './node/node.resolver';
import { OfficialResolver } from './officials/official.resolver';
import { StatementSubscriptionResolver } from './statements/statement-subscription.resolver';
import { StatementResolver } from './statements/statement.resolver';

export const SCHEMA_FILE = 'schema/schema.graphql';

const unusedPubSub: PubSub = {
  publish() {
    throw new Error('publish through the change log, not an in-process PubSub');
  },
  subscribe() {
    throw new Error('subscriptions read the live feed, not an in-process PubSub');
  },
};

/**
 * The executable schema. type-graphql's argument validation is off: services validate arguments
 * themselves (class-validator rules for mutation inputs, via assertValid) so that every error
 * names its input path, and reads pay no async validation per field. An enum refusing a value
 * lists the values it takes (common/enum-values.ts).
 */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  // Parameter decorators run last-to-first, so arguments would be listed in reverse
  // (updateMeasure(input, id)); a stable sort by position restores the declared order.
  getMetadataStorage().params.sort((a, b) => a.index - b.index);
  const schema = await buildSchema({
    resolvers: [
      NodeResolver,
      CountryResolver,
      OfficialResolver,
      MeasureResolver,
      StatementResolver,
      ApiKeyResolver,
      MeasureSubscriptionResolver,
      StatementSubscriptionResolver,
    ],
    validate: false,
    authChecker,
    // Every subscription brings its own `subscribe` (the Postgres-backed feed in live/), so
    // type-graphql's in-process PubSub, which it insists on, is never used.
    pubSub: unusedPubSub,
  });
  return listEnumValuesInErrors(schema);
}

/** The SDL committed as schema/schema.graphql; a test fails when it drifts from the code. */
export function printAppSchema(schema: GraphQLSchema): string {
  return (
    '# Generated from the code by `npm run schema:emit`; do not edit by hand.\n\n' +
    printSchema(schema) +
    '\n'
  );
}
