import { type GraphQLSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { CountryResolver } from './countries/country.resolver';
import { MeasureResolver } from './measures/measure.resolver';
import { NodeResolver } from './node/node.resolver';
import { OfficialResolver } from './officials/official.resolver';
import { StatementResolver } from './statements/statement.resolver';

export const SCHEMA_FILE = 'schema/schema.graphql';

/**
 * The executable schema. Argument validation is off globally: read arguments are checked by the
 * services (with the offending field named), and class-validator runs only where a mutation
 * input asks for it, so reads pay no async validation per field.
 */
export function buildAppSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      NodeResolver,
      CountryResolver,
      OfficialResolver,
      MeasureResolver,
      StatementResolver,
    ],
    validate: false,
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
