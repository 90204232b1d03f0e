import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { canManageAssignments } from '../auth/actor.js';
import type { AppContext } from '../context.js';
import { z } from 'zod';
import type { CustomerRow, CustomerStatus } from '../db/schema.js';
import { customerStatusSchema } from '../http/schemas.js';
import type { Trx } from '../db/transaction.js';
import { ApiError } from '../http/api-error.js';

export const customerViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    company: z.string().nullable(),
    source: z.string().nullable(),
    status: customerStatusSchema,
    ownerId: z.string().nullable().describe('null while the customer is in the pool'),
    inPool: z.boolean(),
    assignedAt: z.string().nullable(),
    version: z.number().int().describe('bumped by every change; send it back in PATCH to refuse lost updates'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Customer' });
export type CustomerView = z.infer<typeof customerViewSchema>;

export function toCustomerView(row: CustomerRow): CustomerView {
  return {
    id: row.id,
    name: row.name,
    phone: row.phone,
    company: row.company,
    source: row.source,
    status: row.status,
    ownerId: row.owner_id,
    inPool: row.owner_id === null,
    assignedAt: row.assigned_at,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface NewCustomer {
  name: string;
  phone?: string | undefined;
  company?: string | undefined;
  source?: string | undefined;
  status?: CustomerStatus | undefined;
}

/** New customers start in the pool; ownership changes only through the assignment operations. */
export async function createCustomer(ctx: AppContext, input: NewCustomer): Promise<CustomerView> {
  const now = new Date(ctx.clock.now()).toISOString();
  const row: CustomerRow = {
    id: randomUUID(),
    name: input.name,
    phone: input.phone ?? null,
    company: input.company ?? null,
    source: input.source ?? null,
    status: input.status ?? 'new',
    owner_id: null,
    assigned_at: null,
    version: 1,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.kysely.insertInto('customers').values(row).execute();
  return toCustomerView(row);
}

export async function findCustomer(db: Trx, id: string): Promise<CustomerRow> {
  const row = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new ApiError({ code: 'CUSTOMER_NOT_FOUND', message: `No customer with id ${id}` });
  return row;
}

/** Sales users see their own customers and the pool; managers and admins see everything. */
export function assertCanSee(actor: Actor, customer: CustomerRow): void {
  if (canManageAssignments(actor) || customer.owner_id === null || customer.owner_id === actor.id) return;
  throw new ApiError({ code: 'FORBIDDEN', message: 'This customer belongs to another sales user' });
}

export async function getCustomer(ctx: AppContext, actor: Actor, id: string): Promise<CustomerView> {
  const row = await findCustomer(ctx.db.kysely, id);
  assertCanSee(actor, row);
  return toCustomerView(row);
}

export interface CustomerFilter {
  ownerId?: string | undefined;
  inPool?: boolean | undefined;
  status?: CustomerStatus | undefined;
  limit: number;
  cursor?: string | undefined;
}

export async function listCustomers(
  ctx: AppContext,
  actor: Actor,
  filter: CustomerFilter,
): Promise<{ items: CustomerView[]; nextCursor: string | null }> {
  if (!canManageAssignments(actor) && filter.ownerId !== undefined && filter.ownerId !== actor.id) {
    throw new ApiError({ code: 'FORBIDDEN', message: "Sales users may list only their own customers and the pool" });
  }
  let query = ctx.db.kysely.selectFrom('customers').selectAll();
  if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
  if (filter.inPool === true) query = query.where('owner_id', 'is', null);
  if (filter.inPool === false) query = query.where('owner_id', 'is not', null);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (!canManageAssignments(actor)) {
    query = query.where((eb) => eb.or([eb('owner_id', 'is', null), eb('owner_id', '=', actor.id)]));
  }
  if (filter.cursor) {
    const after = decodeCursor(filter.cursor);
    query = query.where((eb) =>
      eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]),
    );
  }
  const rows = await query.orderBy('created_at').orderBy('id').limit(filter.limit + 1).execute();
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    items: page.map(toCustomerView),
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2 && decoded.every((part) => typeof part === 'string')) {
      return { createdAt: decoded[0] as string, id: decoded[1] as string };
    }
  } catch {
    // fall through to the 400 below
  }
  throw new ApiError({ code: 'VALIDATION_FAILED', message: 'The cursor is not one this API issued', details: [{ path: 'query.cursor' }] });
}

export interface CustomerChanges {
  name?: string | undefined;
  phone?: string | null | undefined;
  company?: string | null | undefined;
  source?: string | null | undefined;
  status?: CustomerStatus | undefined;
  /** When given, the update applies only if the customer is still at this version. */
  version?: number | undefined;
}

export async function updateCustomer(ctx: AppContext, actor: Actor, id: string, changes: CustomerChanges): Promise<CustomerView> {
  const current = await findCustomer(ctx.db.kysely, id);
  assertCanSee(actor, current);
  if (!canManageAssignments(actor) && current.owner_id !== actor.id) {
    throw new ApiError({ code: 'FORBIDDEN', message: 'Claim the customer from the pool before editing it' });
  }
  const expectedVersion = changes.version ?? current.version;
  const { version: _ignored, ...fields } = changes;
  const result = await ctx.db.kysely
    .updateTable('customers')
    .set({ ...fields, version: expectedVersion + 1, updated_at: new Date(ctx.clock.now()).toISOString() })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) {
    throw new ApiError({
      code: 'VERSION_CONFLICT',
      message: 'The customer was changed by someone else; reload it and try again',
      details: { expectedVersion },
    });
  }
  return toCustomerView(await findCustomer(ctx.db.kysely, id));
}

export const assignmentViewSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    fromOwnerId: z.string().nullable(),
    toOwnerId: z.string().nullable().describe('null when the customer was released to the pool'),
    actorId: z.string(),
    channel: z.enum(['web', 'miniprogram', 'batch', 'pool', 'release']),
    note: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'AssignmentHistoryEntry' });
export type AssignmentView = z.infer<typeof assignmentViewSchema>;

/** Ownership history, oldest first. */
export async function listAssignmentHistory(ctx: AppContext, actor: Actor, id: string): Promise<AssignmentView[]> {
  const customer = await findCustomer(ctx.db.kysely, id);
  assertCanSee(actor, customer);
  const rows = await ctx.db.kysely
    .selectFrom('assignments')
    .selectAll()
    .where('customer_id', '=', id)
    .orderBy('customer_version')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    customerId: row.customer_id,
    fromOwnerId: row.from_owner_id,
    toOwnerId: row.to_owner_id,
    actorId: row.actor_id,
    channel: row.channel,
    note: row.note,
    createdAt: row.created_at,
  }));
}
