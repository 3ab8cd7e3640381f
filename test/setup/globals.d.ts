import type { EmbeddedPostgres } from '../../src/database/embedded-postgres';

declare global {
  // State shared between the global setup and teardown (same process).
  var __retorsionTest: { embedded: EmbeddedPostgres; dataDir: string } | undefined;
}

export {};
