import type { Role } from '../db/schema.js';
import { DomainError } from './errors.js';

/** The signed-in user a request acts as. */
export interface Actor {
  id: string;
  name: string;
  role: Role;
}

export function canManageAssignments(actor: Actor): boolean {
  return actor.role === 'admin' || actor.role === 'manager';
}

export function requireRole(actor: Actor, roles: readonly Role[], action: string): void {
  if (!roles.includes(actor.role)) {
    throw new DomainError({
      code: 'FORBIDDEN',
      message: `Your role (${actor.role}) may not ${action}`,
      details: { requiredRoles: roles },
    });
  }
}
