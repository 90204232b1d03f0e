import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Role, UserRow } from '../db/schema.js';
import { deactivateUserRow, findUserRow, insertUser, listUserRows } from '../db/users-store.js';
import { DomainError } from './errors.js';

export const ROLES = ['admin', 'manager', 'sales'] as const satisfies readonly Role[];

export interface UserView {
  id: string;
  name: string;
  role: Role;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    active: row.active === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function createUser(ctx: AppContext, input: { name: string; role: Role }): Promise<UserView> {
  const now = new Date(ctx.clock.now()).toISOString();
  const row: UserRow = { id: randomUUID(), name: input.name, role: input.role, active: 1, created_at: now, updated_at: now };
  await insertUser(ctx.db.kysely, row);
  return toUserView(row);
}

export async function listUsers(ctx: AppContext, filter: { role?: Role | undefined; active?: boolean | undefined }): Promise<UserView[]> {
  return (await listUserRows(ctx.db.kysely, filter)).map(toUserView);
}

export async function getUser(ctx: AppContext, id: string): Promise<UserView> {
  const row = await findUserRow(ctx.db.kysely, id);
  if (!row) throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${id}` });
  return toUserView(row);
}

/** Deactivated users cannot sign in or receive assignments; their customers stay theirs until reassigned. */
export async function deactivateUser(ctx: AppContext, id: string): Promise<UserView> {
  if (!(await deactivateUserRow(ctx.db.kysely, id, new Date(ctx.clock.now()).toISOString()))) {
    throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${id}` });
  }
  return getUser(ctx, id);
}
