import { randomUUID } from 'node:crypto';
import type { ApiKey } from './auth/api-key.entity';
import type { Caller } from './auth/role';
import { byKeyLoader } from './common/loaders';
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
  /** The client's address (see limits/client-address.ts), for rate limiting anonymous callers. */
  clientAddress: string;
  services: Services;
  loaders: Loaders;
  /** After a write: drop everything the loaders cached, so the answer shows the new state. */
  refreshLoaders(): void;
  /**
   * Filled in by the limits plugin, read by server.ts. An object, because Apollo hands plugins
   * a shallow copy of the context.
   */
  outcome: {
    failedBeforeExecution: boolean;
    /** Whether the answer carries `extensions.cost` (Apollo answers some requests with no plugin). */
    costReported: boolean;
  };
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
    /** Only ever loaded for an admin caller (see node.resolver.ts). */
    apiKeys: {
      byId: byKeyLoader<number, ApiKey>(
        (ids) => services.apiKeys.byIds(ids),
        (apiKey) => apiKey.id,
      ),
    },
  };
}

export function createContext(
  services: Services,
  caller: Caller | null = null,
  requestId: string = randomUUID(),
  clientAddress = 'unknown',
): Context {
  const context: Context = {
    requestId,
    caller,
    clientAddress,
    outcome: { failedBeforeExecution: false, costReported: false },
    services,
    loaders: createLoaders(services),
    refreshLoaders() {
      context.loaders = createLoaders(services);
    },
  };
  return context;
}
