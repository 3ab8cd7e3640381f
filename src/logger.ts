import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; one line per event, with the request id where there is one. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'retorsion' },
    redact: {
      paths: ['req.headers.authorization', '*.authorization', '*.password'],
      censor: '[redacted]',
    },
  });
}
