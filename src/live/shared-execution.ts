import {
  createSourceEventStream,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';

/** What identifies an execution's result: the same document and variables give the same answer. */
export interface SharedExecution {
  /** Document text, operation name and variables of the subscription. */
  key: string;
}

/**
 * A subscribe function for graphql-ws that runs each event's selection once per distinct
 * (event, document, variables) instead of once per subscriber.
 *
 * With thousands of dashboards subscribed to the same few documents, executing the selection
 * per subscriber costs the same work thousands of times per event. Here the first subscriber to
 * reach an event executes it and the others reuse the result (a promise, so concurrent ones
 * wait for the same execution). Safe because everything a subscription can select is public:
 * the result does not depend on who is asking. Results are keyed by the event's node object,
 * which the live feed loads once per batch, so they are collected with it.
 */
export function sharedSubscribe(
  schema: GraphQLSchema,
  keyOf: (args: ExecutionArgs) => string,
  finish: (result: ExecutionResult, args: ExecutionArgs) => ExecutionResult,
) {
  const results = new WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>();

  return async (
    args: ExecutionArgs,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    // Subscribing failed (e.g. an unknown `since`): its errors are presented like any others.
    if (!(Symbol.asyncIterator in source)) return finish(source as ExecutionResult, args);
    const key = keyOf(args);
    const events = source as AsyncIterableIterator<{ node: object }>;

    const resultFor = (event: { node: object }): Promise<ExecutionResult> | ExecutionResult => {
      let byKey = results.get(event.node);
      if (!byKey) results.set(event.node, (byKey = new Map()));
      let result = byKey.get(key);
      if (!result) {
        const executed = execute({
          ...args,
          schema,
          rootValue: event,
          contextValue: { ...(args.contextValue as object) },
        });
        if (executed instanceof Promise) {
          const pending = executed.then((r) => finish(r, args));
          // Once settled, later subscribers get the plain result, without a promise to await.
          pending.then(
            (settled) => byKey.set(key, settled),
            () => byKey.delete(key), // each subscriber awaiting it gets the rejection
          );
          result = pending;
        } else {
          result = finish(executed as ExecutionResult, args);
        }
        byKey.set(key, result);
      }
      return result;
    };

    const mapped: AsyncIterableIterator<ExecutionResult> = {
      [Symbol.asyncIterator]() {
        return mapped;
      },
      async next() {
        const next = await events.next();
        if (next.done) return { done: true, value: undefined };
        const result = resultFor(next.value);
        return { done: false, value: result instanceof Promise ? await result : result };
      },
      async return() {
        await events.return?.();
        return { done: true, value: undefined };
      },
      async throw(error?: unknown) {
        await events.return?.();
        throw error;
      },
    };
    return mapped;
  };
}
