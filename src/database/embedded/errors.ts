/** Why the embedded PostgreSQL could not start, in words for whoever runs the API. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

/** Names EMBEDDED_PG_PORT only where it was set; a port picked here is simply tried again. */
export class PortTakenError extends EmbeddedPostgresError {
  constructor(port: number) {
    super(
      `The embedded PostgreSQL could not listen on port ${port}: another process holds it. ` +
        'Choose another EMBEDDED_PG_PORT, or unset it to use a free port.',
    );
  }
}
