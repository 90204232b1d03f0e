import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Role, UserRow } from '../db/schema.js';
import { ApiError } from '../http/api-error.js';
import { roleSchema } from '../http/schemas.js';
import { z } from 'zod';

export const userViewSchema = z
  .object({ id: z.string(), name: z.string(), role: roleSchema, active: z.boolean(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: 'User' });
export type UserView = z.infer<typeof userViewSchema>;

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
  await ctx.db.kysely.insertInto('users').values(row).execute();
  return toUserView(row);
}

export async function listUsers(ctx: AppContext, filter: { role?: Role; active?: boolean }): Promise<UserView[]> {
  let query = ctx.db.kysely.selectFrom('users').selectAll().orderBy('created_at').orderBy('id');
  if (filter.role) query = query.where('role', '=', filter.role);
  if (filter.active !== undefined) query = query.where('active', '=', filter.active ? 1 : 0);
  return (await query.execute()).map(toUserView);
}

export async function getUser(ctx: AppContext, id: string): Promise<UserView> {
  const row = await ctx.db.kysely.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new ApiError({ code: 'USER_NOT_FOUND', message: `No user with id ${id}` });
  return toUserView(row);
}

/** Deactivated users cannot sign in or receive assignments; their customers stay theirs until reassigned. */
export async function deactivateUser(ctx: AppContext, id: string): Promise<UserView> {
  const now = new Date(ctx.clock.now()).toISOString();
  const result = await ctx.db.kysely.updateTable('users').set({ active: 0, updated_at: now }).where('id', '=', id).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new ApiError({ code: 'USER_NOT_FOUND', message: `No user with id ${id}` });
  return getUser(ctx, id);
}
