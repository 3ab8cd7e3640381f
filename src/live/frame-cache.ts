import type { ExecutionResult } from 'graphql';

/** Subscriber ids whose whole frame is kept per result; beyond them only the payload is. */
const FRAMES_PER_RESULT = 8;

interface Serialised {
  payload: string;
  frames: Map<string, Buffer>;
}

/**
 * `next` frames of the graphql-transport-ws protocol, serialised once per result rather than once
 * per subscriber. Thousands of subscribers of one document share one result object (see
 * shared-execution.ts), so its JSON is written once; the frame around it differs only by the
 * subscription id, and the few ids most clients use ("1") share a ready Buffer that ws sends
 * without converting it again. Entries go with their result (a WeakMap).
 */
export class FrameCache {
  private readonly byResult = new WeakMap<ExecutionResult, Serialised>();

  next(id: string, result: ExecutionResult): string | Buffer {
    let serialised = this.byResult.get(result);
    if (!serialised) {
      const { errors, ...rest } = result;
      const payload = JSON.stringify(
        errors ? { ...rest, errors: errors.map((error) => error.toJSON()) } : rest,
      );
      serialised = { payload, frames: new Map() };
      this.byResult.set(result, serialised);
    }
    const cached = serialised.frames.get(id);
    if (cached) return cached;
    const frame = `{"id":${JSON.stringify(id)},"type":"next","payload":${serialised.payload}}`;
    if (serialised.frames.size >= FRAMES_PER_RESULT) return frame;
    const buffer = Buffer.from(frame);
    serialised.frames.set(id, buffer);
    return buffer;
  }
}
