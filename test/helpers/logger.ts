import { Writable } from 'node:stream';
import pino from 'pino';

/** A logger (errors and worse) whose JSON lines a test can read. */
export function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'error' }, stream), lines };
}
