import type { Role } from './roles.js';
import { DomainError } from './errors.js';

/** Whom a domain function acts for: the signed-in user of a request, or the OPERATOR. */
export interface Actor {
  id: string;
  name: string;
  role: Role;
}

/**
 * Who acts when no request does: the CLI, server start-up, the demo seed, test seeders. Whoever can run these has
 * a shell on the server, so the database file or URL and its configuration are theirs already: an admin, and
 * checked as one rather than let past the checks. Its id is no user's, so it never matches a user ("yourself") and
 * must not be written where a user id is (an assignment's actor).
 */
export const OPERATOR: Actor = Object.freeze({ id: 'operator', name: 'operator (shell)', role: 'admin' });

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
