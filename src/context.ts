import { randomUUID } from 'node:crypto';
import type { Caller } from './auth/role';
import { createCountryLoaders } from './countries/country.loaders';
import { createMeasureLoaders } from './measures/measure.loaders';
import { createOfficialLoaders } from './officials/official.loaders';
import type { Services } from './services';
import { createSourceLoaders } from './sources/source.loaders';
import { createStatementLoaders } from './statements/statement.loaders';

export type Loaders = ReturnType<typeof createLoaders>;

/** What every resolver receives. Created per HTTP request (and per subscription event). */
export interface Context {
  requestId: string;
  /** The API key's holder; null for anonymous readers. */
  caller: Caller | null;
  services: Services;
  loaders: Loaders;
  /** After a write: drop everything the loaders cached, so the answer shows the new state. */
  refreshLoaders(): void;
}

/**
 * DataLoaders are per request (and per batch of live events): a cache must not outlive the
 * moment it describes, nor serve one caller's data to another.
 */
export function createLoaders(services: Services) {
  return {
    countries: createCountryLoaders(services.countries),
    officials: createOfficialLoaders(services.officials),
    measures: createMeasureLoaders(services.measures),
    statements: createStatementLoaders(services.statements),
    sources: createSourceLoaders(services.sources),
  };
}

export function createContext(
  services: Services,
  caller: Caller | null = null,
  requestId: string = randomUUID(),
): Context {
  const context: Context = {
    requestId,
    caller,
    services,
    loaders: createLoaders(services),
    refreshLoaders() {
      context.loaders = createLoaders(services);
    },
  };
  return context;
}
