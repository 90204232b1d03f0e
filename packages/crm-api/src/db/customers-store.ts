import type { Kysely } from 'kysely';
import { prepared } from './prepared.js';
import type { CustomerStatus } from '../domain/customer-statuses.js';
import type { AssignmentRow, CustomerRow, Database } from './schema.js';
import { chunk, locksRows, type Trx } from './transaction.js';

/** Every statement on customers and their ownership history. */

export async function insertCustomer(db: Trx, row: CustomerRow): Promise<void> {
  await db.insertInto('customers').values(row).execute();
}

export async function findCustomerRow(db: Trx, id: string): Promise<CustomerRow | undefined> {
  return db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface CustomerRowFilter {
  ownerId?: string | undefined;
  inPool?: boolean | undefined;
  status?: CustomerStatus | undefined;
  /** Only the pool and this user's customers (a sales user's view). */
  visibleTo?: string | undefined;
  after?: { createdAt: string; id: string } | undefined;
  /** Newest first (and `after` pages towards older ones); otherwise oldest first. */
  newestFirst?: boolean | undefined;
  limit: number;
}

/** In creation order, or its reverse, the keyset `after` excluded. */
export async function listCustomerRows(db: Trx, filter: CustomerRowFilter): Promise<CustomerRow[]> {
  let query = db.selectFrom('customers').selectAll();
  if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
  if (filter.inPool === true) query = query.where('owner_id', 'is', null);
  if (filter.inPool === false) query = query.where('owner_id', 'is not', null);
  if (filter.status) query = query.where('status', '=', filter.status);
  const visibleTo = filter.visibleTo;
  if (visibleTo !== undefined) query = query.where((eb) => eb.or([eb('owner_id', 'is', null), eb('owner_id', '=', visibleTo)]));
  const after = filter.after;
  const beyond = filter.newestFirst ? '<' : '>';
  if (after) {
    query = query.where((eb) =>
      eb.or([eb('created_at', beyond, after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', beyond, after.id)])]),
    );
  }
  const direction = filter.newestFirst ? 'desc' : 'asc';
  return query.orderBy('created_at', direction).orderBy('id', direction).limit(filter.limit).execute();
}

/** The columns a change may set; the version and updated_at are the store's to set. */
type CustomerChange = Partial<Omit<CustomerRow, 'id' | 'version' | 'created_at' | 'updated_at'>>;

/** Applies the change only if the customer is still at `expectedVersion`; false when it was not. */
export async function updateCustomerIfVersion(db: Trx, id: string, expectedVersion: number, changes: CustomerChange, now: string): Promise<boolean> {
  const result = await updateIfVersion(db, id, expectedVersion, { ...changes, updated_at: now });
  return (result.numAffectedRows ?? 0n) > 0n;
}

// The new version is the row's own plus one, computed by the database: a version sent in that cannot match (any
// stale one, up to the column's largest) is never turned into a value the column cannot hold.
const updateIfVersion = prepared(
  (db, id: string, expectedVersion: number, set: CustomerChange & Pick<CustomerRow, 'updated_at'>) =>
    db
      .updateTable('customers')
      .set(set)
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('version', '=', expectedVersion),
);

/**
 * The customers an assignment changes, by id. Where rows lock (PostgreSQL) they are locked, in id order, so
 * concurrent batches lock in the same order and cannot deadlock.
 */
export async function loadCustomersForChange(trx: Trx, ids: string[]): Promise<Map<string, CustomerRow>> {
  const found = new Map<string, CustomerRow>();
  const load = locksRows(trx) ? customersByIdLocked : customersById;
  for (const part of chunk([...ids].sort(), 500)) {
    for (const row of (await load(trx, part)).rows) found.set(row.id, row);
  }
  return found;
}

const customersByIdQuery = (db: Kysely<Database>, ids: string[]) => db.selectFrom('customers').selectAll().where('id', 'in', ids).orderBy('id');
const customersById = prepared(customersByIdQuery);
const customersByIdLocked = prepared((db, ids: string[]) => customersByIdQuery(db, ids).forUpdate());

export async function insertHistory(trx: Trx, rows: AssignmentRow[]): Promise<void> {
  for (const part of chunk(rows, 100)) await insertHistoryRows(trx, part);
}

const insertHistoryRows = prepared((db, rows: AssignmentRow[]) => db.insertInto('assignments').values(rows));

export async function listHistoryRows(db: Trx, customerId: string): Promise<AssignmentRow[]> {
  return db.selectFrom('assignments').selectAll().where('customer_id', '=', customerId).orderBy('customer_version').execute();
}

/**
 * For a user claiming `customerIds`: how many customers they own, how many they claimed from the pool since
 * `dayStart`, and when they last released each of the claimed customers, if they did (the pool rules' facts).
 */
export async function readPoolFacts(
  trx: Trx,
  claim: { userId: string; customerIds: string[]; dayStart: string },
): Promise<{ ownedCount: number; claimedTodayCount: number; releasedAt: Array<{ customerId: string; releasedAt: string }> }> {
  const owned = await trx
    .selectFrom('customers')
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .where('owner_id', '=', claim.userId)
    .executeTakeFirstOrThrow();
  const claimedToday = await trx
    .selectFrom('assignments')
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .where('to_owner_id', '=', claim.userId)
    .where('actor_id', '=', claim.userId)
    .where('via', '=', 'pool')
    .where('created_at', '>=', claim.dayStart)
    .executeTakeFirstOrThrow();
  const releases = await trx
    .selectFrom('assignments')
    .select(['customer_id', (eb) => eb.fn.max('created_at').as('released_at')])
    .where('from_owner_id', '=', claim.userId)
    .where('to_owner_id', 'is', null)
    .where('customer_id', 'in', claim.customerIds)
    .groupBy('customer_id')
    .execute();
  return {
    ownedCount: Number(owned.count),
    claimedTodayCount: Number(claimedToday.count),
    releasedAt: releases.map((release) => ({ customerId: release.customer_id, releasedAt: release.released_at })),
  };
}
