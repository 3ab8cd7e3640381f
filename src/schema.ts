import { type GraphQLSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { ApiKeyResolver } from './auth/api-key.resolver';
import { authChecker } from './auth/auth-checker';
import { CountryResolver } from './countries/country.resolver';
import { MeasureResolver } from './measures/measure.resolver';
import { NodeResolver } from './node/node.resolver';
import { OfficialResolver } from './officials/official.resolver';
import { StatementResolver } from './statements/statement.resolver';

export const SCHEMA_FILE = 'schema/schema.graphql';

/**
 * The executable schema. type-graphql's argument validation is off: services validate arguments
 * themselves (class-validator rules for mutation inputs, via assertValid) so that every error
 * names its input path, and reads pay no async validation per field.
 */
export function buildAppSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      NodeResolver,
      CountryResolver,
      OfficialResolver,
      MeasureResolver,
      StatementResolver,
      ApiKeyResolver,
    ],
    validate: false,
    authChecker,
  });
}

/** The SDL committed as schema/schema.graphql; a test fails when it drifts from the code. */
export function printAppSchema(schema: GraphQLSchema): string {
  return (
    '# Generated from the code by `npm run schema:emit`; do not edit by hand.\n\n' +
    printSchema(schema) +
    '\n'
  );
}
