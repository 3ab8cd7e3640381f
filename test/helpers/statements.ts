import diagnosticsChannel from 'node:diagnostics_channel';
import { type SqlEvent, sqlChannel } from '../../src/database/sql';

/** The texts of the read statements issued (by servers in this process) while `run` runs. */
export async function statementsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const texts: string[] = [];
  const listener = (message: unknown) => texts.push((message as SqlEvent).text);
  diagnosticsChannel.subscribe(sqlChannel.name, listener);
  try {
    await run();
  } finally {
    diagnosticsChannel.unsubscribe(sqlChannel.name, listener);
  }
  return texts;
}
