import type { Kysely } from 'kysely';
import type { Engine } from '../database.js';
import type { AssignmentChannel, Database, NotificationRow } from '../schema.js';
import type { Trx } from '../transaction.js';

/** One outbox row a worker holds a lease on. */
export interface ClaimedRow {
  id: string;
  assigneeId: string;
  actorId: string;
  channel: AssignmentChannel;
  note: string | null;
  attempts: number;
  createdAt: string;
  /** An operator asked to send it again although it may have gone out (`unconfirmed`). */
  resendRequested: boolean;
}

/** What goes out as one subscribe message: one row, or several merged by the digest window. */
export interface Delivery {
  /** The cloud function's idempotency key: the first row's id. */
  deliveryId: string;
  assigneeId: string;
  rows: ClaimedRow[];
}

export interface ClaimOptions {
  workerId: string;
  nowMs: number;
  leaseMs: number;
  /** Most deliveries to claim. */
  limit: number;
  /** > 0: merge an assignee's pending rows created within this window of the first into one delivery. */
  digestMs: number;
}

/**
 * Takes due rows — pending and due, or 'sending' with an expired lease (their worker died) — and leases
 * them to this worker. On PostgreSQL `FOR UPDATE SKIP LOCKED` keeps concurrent workers on disjoint rows;
 * SQLite has one writer, so the transaction alone is enough.
 */
export async function claimDeliveries(db: Kysely<Database>, engine: Engine, options: ClaimOptions): Promise<Delivery[]> {
  return db.transaction().execute(async (trx) => {
    const now = new Date(options.nowMs).toISOString();
    // Two index range scans rather than one OR, so neither needs a sort over the whole outbox.
    let abandonedQuery = trx
      .selectFrom('notifications')
      .selectAll()
      .where('status', '=', 'sending')
      .where('lease_until', '<', now)
      .orderBy('lease_until')
      .limit(options.limit);
    if (engine === 'postgres') abandonedQuery = abandonedQuery.forUpdate().skipLocked();
    const abandoned = await abandonedQuery.execute();
    let due = abandoned;
    if (abandoned.length < options.limit) {
      let pendingQuery = trx
        .selectFrom('notifications')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(options.limit - abandoned.length);
      if (engine === 'postgres') pendingQuery = pendingQuery.forUpdate().skipLocked();
      due = [...abandoned, ...(await pendingQuery.execute())];
    }
    if (due.length === 0) return [];

    const groups = new Map<string, NotificationRow[]>();
    const taken = new Set<string>();
    const add = (deliveryId: string, row: NotificationRow) => {
      if (taken.has(row.id)) return;
      taken.add(row.id);
      const group = groups.get(deliveryId) ?? [];
      group.push(row);
      groups.set(deliveryId, group);
    };

    for (const row of due) {
      if (taken.has(row.id)) continue;
      // A row that already went out under a delivery id (its worker died) keeps it, so the cloud
      // function's idempotency recognises the retry.
      const deliveryId = row.delivery_id ?? row.id;
      add(deliveryId, row);
      const companions = await findCompanions(trx, engine, row, deliveryId, options, now);
      for (const companion of companions) add(deliveryId, companion);
    }

    const leaseUntil = new Date(options.nowMs + options.leaseMs).toISOString();
    const lease = { status: 'sending' as const, lease_owner: options.workerId, lease_until: leaseUntil, updated_at: now };
    // Most rows are delivered under their own id (or the one they already had): one statement for all.
    const keepingTheirId = [...groups].flatMap(([deliveryId, rows]) => rows.filter((row) => (row.delivery_id ?? row.id) === deliveryId));
    if (keepingTheirId.length > 0) {
      await trx
        .updateTable('notifications')
        .set((eb) => ({ ...lease, delivery_id: eb.fn.coalesce('delivery_id', 'id') }))
        .where('id', 'in', keepingTheirId.map((row) => row.id))
        .execute();
    }
    for (const [deliveryId, rows] of groups) {
      const joining = rows.filter((row) => (row.delivery_id ?? row.id) !== deliveryId);
      if (joining.length === 0) continue;
      await trx
        .updateTable('notifications')
        .set({ ...lease, delivery_id: deliveryId })
        .where('id', 'in', joining.map((row) => row.id))
        .execute();
    }
    return [...groups].map(([deliveryId, rows]) => ({
      deliveryId,
      assigneeId: rows[0]?.assignee_id ?? '',
      rows: rows.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id)).map(toClaimedRow),
    }));
  });
}

/** Rows that belong in the same message as `leader`. */
async function findCompanions(
  trx: Trx,
  engine: Engine,
  leader: NotificationRow,
  deliveryId: string,
  options: ClaimOptions,
  now: string,
): Promise<NotificationRow[]> {
  let query;
  if (leader.delivery_id !== null) {
    query = trx
      .selectFrom('notifications')
      .selectAll()
      .where('delivery_id', '=', deliveryId)
      .where('id', '!=', leader.id)
      .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)])]));
  } else if (options.digestMs > 0) {
    const windowEnd = new Date(Date.parse(leader.created_at) + options.digestMs).toISOString();
    query = trx
      .selectFrom('notifications')
      .selectAll()
      .where('assignee_id', '=', leader.assignee_id)
      .where('status', '=', 'pending')
      .where('delivery_id', 'is', null)
      .where('id', '!=', leader.id)
      .where('created_at', '<=', windowEnd);
  } else {
    return [];
  }
  if (engine === 'postgres') query = query.forUpdate().skipLocked();
  return query.execute();
}

function toClaimedRow(row: NotificationRow): ClaimedRow {
  return {
    id: row.id,
    assigneeId: row.assignee_id,
    actorId: row.actor_id,
    channel: row.channel,
    note: row.note,
    attempts: row.attempts,
    createdAt: row.created_at,
    resendRequested: row.resend_requested === 1,
  };
}
