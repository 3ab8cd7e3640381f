import { registerEnumType } from 'type-graphql';

/** What an API key may do. ADMIN can do everything EDITOR can, and manage keys. */
export enum Role {
  EDITOR = 'EDITOR',
  ADMIN = 'ADMIN',
}

registerEnumType(Role, { name: 'Role' });

/** The authenticated caller of a request; null for anonymous readers. */
export interface Caller {
  apiKeyId: number;
  name: string;
  role: Role;
}

export function hasRole(caller: Caller, required: Role): boolean {
  return caller.role === Role.ADMIN || caller.role === required;
}
