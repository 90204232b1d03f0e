import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import { findCustomerRow, insertCustomer, listCustomerRows, listHistoryRows, updateCustomerIfVersion } from '../db/customers-store.js';
import type { AssignmentRow, CustomerRow } from '../db/schema.js';
import type { Trx } from '../db/transaction.js';
import { canManageAssignments, type Actor } from './actor.js';
import type { CustomerStatus } from './customer-statuses.js';
import { DomainError } from './errors.js';
import { decodePageCursor, encodePageCursor } from './page-cursor.js';
import { checkName } from './names.js';

/** How long a customer's name-like fields may be: one line each (see names.ts). */
export const CUSTOMER_TEXT_MAX = { name: 100, company: 200, source: 100 } as const;

export interface CustomerView {
  id: string;
  name: string;
  phone: string | null;
  company: string | null;
  source: string | null;
  status: CustomerStatus;
  /** null while the customer is in the pool. */
  ownerId: string | null;
  inPool: boolean;
  assignedAt: string | null;
  /** Bumped by every change; sent back in an update to refuse lost updates. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

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
  const fields = checkTexts(input);
  const now = new Date(ctx.clock.now()).toISOString();
  const row: CustomerRow = {
    id: randomUUID(),
    name: fields.name,
    phone: fields.phone ?? null,
    company: fields.company ?? null,
    source: fields.source ?? null,
    status: fields.status ?? 'new',
    owner_id: null,
    assigned_at: null,
    version: 1,
    created_at: now,
    updated_at: now,
  };
  await insertCustomer(ctx.db.kysely, row);
  return toCustomerView(row);
}

/** The name-like fields (name, company, source) under the name rule, trimmed; the rest, and absent or null ones, as given. */
function checkTexts<Fields extends { name?: string | undefined; company?: string | null | undefined; source?: string | null | undefined }>(fields: Fields): Fields {
  return {
    ...fields,
    ...(typeof fields.name === 'string' ? { name: checkName('name', fields.name, CUSTOMER_TEXT_MAX.name) } : {}),
    ...(typeof fields.company === 'string' ? { company: checkName('company', fields.company, CUSTOMER_TEXT_MAX.company) } : {}),
    ...(typeof fields.source === 'string' ? { source: checkName('source', fields.source, CUSTOMER_TEXT_MAX.source) } : {}),
  };
}

export async function findCustomer(db: Trx, id: string): Promise<CustomerRow> {
  const row = await findCustomerRow(db, id);
  if (!row) throw new DomainError({ code: 'CUSTOMER_NOT_FOUND', message: `No customer with id ${id}` });
  return row;
}

/**
 * Sales users see their own customers and the pool; managers and admins see everything. A customer a sales user
 * may not see answers exactly like one that does not exist, so ids cannot be probed.
 */
export function canSee(actor: Actor, customer: CustomerRow): boolean {
  return canManageAssignments(actor) || customer.owner_id === null || customer.owner_id === actor.id;
}

export function assertCanSee(actor: Actor, customer: CustomerRow): void {
  if (!canSee(actor, customer)) throw new DomainError({ code: 'CUSTOMER_NOT_FOUND', message: `No customer with id ${customer.id}` });
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
  order?: 'oldest' | 'newest' | undefined;
  limit: number;
  cursor?: string | undefined;
}

export async function listCustomers(
  ctx: AppContext,
  actor: Actor,
  filter: CustomerFilter,
): Promise<{ items: CustomerView[]; nextCursor: string | null }> {
  const manager = canManageAssignments(actor);
  if (!manager && filter.ownerId !== undefined && filter.ownerId !== actor.id) {
    throw new DomainError({ code: 'FORBIDDEN', message: 'Sales users may list only their own customers and the pool' });
  }
  const rows = await listCustomerRows(ctx.db.kysely, {
    ownerId: filter.ownerId,
    inPool: filter.inPool,
    status: filter.status,
    visibleTo: manager ? undefined : actor.id,
    after: filter.cursor ? decodePageCursor(filter.cursor) : undefined,
    newestFirst: filter.order === 'newest',
    limit: filter.limit + 1,
  });
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    items: page.map(toCustomerView),
    nextCursor: rows.length > filter.limit && last ? encodePageCursor(last.created_at, last.id) : null,
  };
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
  const checked = checkTexts(changes);
  const current = await findCustomer(ctx.db.kysely, id);
  assertCanSee(actor, current);
  if (!canManageAssignments(actor) && current.owner_id !== actor.id) {
    throw new DomainError({ code: 'FORBIDDEN', message: 'Claim the customer from the pool before editing it' });
  }
  const expectedVersion = checked.version ?? current.version;
  const { version: _ignored, ...fields } = checked;
  if (!(await updateCustomerIfVersion(ctx.db.kysely, id, expectedVersion, fields, new Date(ctx.clock.now()).toISOString()))) {
    throw new DomainError({
      code: 'VERSION_CONFLICT',
      message: 'The customer was changed by someone else; reload it and try again',
      details: { expectedVersion },
    });
  }
  return toCustomerView(await findCustomer(ctx.db.kysely, id));
}

export interface AssignmentView {
  id: string;
  customerId: string;
  fromOwnerId: string | null;
  /** null when the customer was released to the pool. */
  toOwnerId: string | null;
  actorId: string;
  via: AssignmentRow['via'];
  note: string | null;
  createdAt: string;
}

/** Ownership history, oldest first. */
export async function listAssignmentHistory(ctx: AppContext, actor: Actor, id: string): Promise<AssignmentView[]> {
  const customer = await findCustomer(ctx.db.kysely, id);
  assertCanSee(actor, customer);
  const rows = await listHistoryRows(ctx.db.kysely, id);
  return rows.map((row) => ({
    id: row.id,
    customerId: row.customer_id,
    fromOwnerId: row.from_owner_id,
    toOwnerId: row.to_owner_id,
    actorId: row.actor_id,
    via: row.via,
    note: row.note,
    createdAt: row.created_at,
  }));
}
