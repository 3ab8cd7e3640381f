/**
 * Start-up of the real entry point with a configuration it cannot serve: a HOST it cannot listen
 * on, and WORKERS=2 on a port another process holds. Both stop the process with EX_CONFIG (78)
 * and a readable message, not a stack trace or workers restarted for ever.
 */
import net from 'node:net';
import { cleanUp, onCleanup } from '../../helpers/cleanup';
import { createTestDatabase } from '../../helpers/database';
import { ensureBuilt, runMain } from '../../helpers/processes';

afterAll(cleanUp, 60_000);

test('a bad HOST stops the process with a readable message and EX_CONFIG, not a stack trace', async () => {
  ensureBuilt();
  const db = await createTestDatabase();
  onCleanup(() => db.drop());
  const result = await runMain(
    { DATABASE_URL: db.url, HOST: 'no-such-host.invalid', PORT: '0' },
    90_000,
  );
  // One readable line (no stack): the configuration must change (EX_CONFIG).
  expect({ code: result.code, stack: /"stack"|\n\s+at /.test(result.output) }).toEqual({
    code: 78,
    stack: false,
  });
}, 120_000);

test('WORKERS=2 on a port another process holds fails with a clear error instead of restarting workers forever', async () => {
  ensureBuilt();
  const db = await createTestDatabase();
  onCleanup(() => db.drop());
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  onCleanup(() => void holder.close());
  const port = (holder.address() as net.AddressInfo).port;
  const result = await runMain(
    { DATABASE_URL: db.url, WORKERS: '2', HOST: '127.0.0.1', PORT: String(port) },
    90_000,
  );
  // Not workers restarted for ever: the first that cannot listen stops the whole process.
  expect(result.code).toBe(78);
  expect(result.output).toMatch(/port is already in use/);
}, 120_000);
