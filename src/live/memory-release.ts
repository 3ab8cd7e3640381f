import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '../logger';

/** Bytes given back by sockets that left, after which a full collection is worth its pause. */
const RELEASE_THRESHOLD_BYTES = 32 * 1024 * 1024;
/** Waits for the leaving to settle (many sockets close together), then collects once. */
const SETTLE_MS = 2000;
/** Full collections run, 3 s apart, once a crowd of sockets has left. */
const COLLECTIONS = 3;

/**
 * V8 collects garbage when it allocates: a server left idle after a crowd of sockets closes
 * keeps their memory for good (measured: 167 MiB before an attack, 838 MiB 30 s after it left,
 * back to its start after one full collection). Once sockets have given back more than
 * RELEASE_THRESHOLD_BYTES of their budget, this asks V8 for a full collection, which also
 * returns the freed pages to the system. V8 exposes `gc` only behind a flag; it is set here,
 * once, rather than asking every deployment to start Node with --expose-gc.
 */
export function memoryReleaser(logger: Logger): (releasedBytes: number) => void {
  const gc = exposedGc();
  let released = 0;
  let timer: NodeJS.Timeout | undefined;
  return (bytes) => {
    if (!gc) return;
    released += bytes;
    if (released < RELEASE_THRESHOLD_BYTES) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const before = process.memoryUsage().rss;
      const releasedNow = released;
      released = 0;
      // One collection frees the objects; V8 compacts its pages, and gives them back, over the
      // next ones, so three are run a few seconds apart.
      let round = 0;
      const collect = () => {
        gc();
        round += 1;
        if (round < COLLECTIONS) return void setTimeout(collect, 3000).unref();
        const after = process.memoryUsage();
        logger.info(
          {
            releasedBytes: releasedNow,
            rssBefore: before,
            rssAfter: after.rss,
            heapTotal: after.heapTotal,
            heapUsed: after.heapUsed,
          },
          'memory released after sockets closed',
        );
      };
      collect();
    }, SETTLE_MS);
    timer.unref();
  };
}

function exposedGc(): (() => void) | undefined {
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === 'function') return global.gc;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}
