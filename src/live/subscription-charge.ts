import type { OperationDefinitionNode } from 'graphql';
import { AppError, ErrorCode } from '../common/errors';
import type { BudgetRefusal, SocketAccount } from '../limits/socket-budget';

/** What admitting a subscription over graphql-ws charges and keeps (see websocket.ts). */

/** Gives back what a subscription held, once it ends (see onSubscribe). */
export function releaser(account: SocketAccount, held: { bytes: number }): () => void {
  return () => {
    account.release(held.bytes);
    held.bytes = 0;
  };
}

/** RATE_LIMITED for a subscription that would pass what its socket or address may hold. */
export function overBudget(
  refusal: BudgetRefusal,
  account: SocketAccount,
  charge: number,
): AppError {
  const which =
    refusal === 'socket'
      ? 'this connection'
      : refusal === 'address'
        ? "this client address's connections"
        : "this server's connections";
  return new AppError(
    ErrorCode.RATE_LIMITED,
    `This subscription needs ${charge} bytes of server memory, more than ${which} may still ` +
      `hold (${account.bytes} bytes held by this connection). Send a smaller document or ` +
      'fewer variables, or end other subscriptions.',
    { budget: refusal, bytes: charge },
  );
}

/**
 * The variables the operation declares: a subscription keeps its variables for as long as it
 * runs, and values it does not declare would be held (and charged) for nothing.
 */
export function declaredVariables(
  operation: OperationDefinitionNode,
  given: unknown,
): Record<string, unknown> | undefined {
  if (!given || typeof given !== 'object' || Array.isArray(given)) return undefined;
  const declared: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (name in given) declared[name] = (given as Record<string, unknown>)[name];
  }
  return declared;
}
