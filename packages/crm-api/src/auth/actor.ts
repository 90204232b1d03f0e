import type { Request } from 'express';
import type { Role } from '../db/schema.js';
import { ApiError } from '../http/api-error.js';

export interface Actor {
  id: string;
  name: string;
  role: Role;
}

declare global {
  namespace Express {
    interface Request {
      actor?: Actor;
    }
  }
}

export function actorOf(req: Request): Actor {
  if (!req.actor) throw new ApiError({ code: 'UNAUTHENTICATED', message: 'Authentication required' });
  return req.actor;
}

export function canManageAssignments(actor: Actor): boolean {
  return actor.role === 'admin' || actor.role === 'manager';
}

export function requireRole(actor: Actor, roles: readonly Role[], action: string): void {
  if (!roles.includes(actor.role)) {
    throw new ApiError({
      code: 'FORBIDDEN',
      message: `Your role (${actor.role}) may not ${action}`,
      details: { requiredRoles: roles },
    });
  }
}
