import type { AuthChecker } from 'type-graphql';
import { AppError, ErrorCode } from '../common/errors';
import { type Caller, hasRole, Role } from './role';

/**
 * For `@Authorized(Role.X)`: no key is UNAUTHENTICATED; a key without the role is FORBIDDEN.
 * (Invalid or revoked keys never get this far: the request is refused before execution.)
 */
export const authChecker: AuthChecker<{ caller: Caller | null }, Role> = ({ context }, roles) => {
  const { caller } = context;
  if (!caller) {
    throw new AppError(
      ErrorCode.UNAUTHENTICATED,
      'This operation needs an API key: send "Authorization: Bearer <key>".',
    );
  }
  const required = roles.length > 0 ? roles : [Role.EDITOR];
  if (!required.some((role) => hasRole(caller, role))) {
    throw new AppError(
      ErrorCode.FORBIDDEN,
      `This operation needs the ${required.join(' or ')} role; this key has ${caller.role}.`,
    );
  }
  return true;
};
