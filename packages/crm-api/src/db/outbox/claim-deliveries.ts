import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Engine } from '../database.js';
import type { AssignedVia, Database, NotificationRow } from '../schema.js';
import type { Trx } from '../transaction.js';

/** One outbox row a worker holds a lease on. */
export interface ClaimedRow {
  id: string;
  assigneeId: string;
  actorId: string;
  via: AssignedVia;
  note: string | null;
  attempts: number;
  createdAt: string;
}

/** What goes out as one subscribe message: one row, or several merged by the digest window. */
export interface Delivery {
  /** The cloud function's idempotency key: the first row's id, or a new id for a message sent again. */
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
 * PostgreSQL: whether this claim may take the row's delivery — a transaction-scoped advisory lock on its delivery id
 * (its own id before its first attempt), taken as the row is read. Two claims thus never split one message's rows
 * between them (each would then skip it, or send its part under one id); the one that takes it gets them all.
 */
const deliveryIsOurs = sql<boolean>`pg_try_advisory_xact_lock(hashtextextended(coalesce(delivery_id, id), 0))`;

/**
 * Takes due rows — pending and due, or 'sending' with an expired lease (their worker died) — and leases
 * them to this worker. On PostgreSQL `FOR UPDATE SKIP LOCKED` keeps concurrent workers on disjoint rows, and
 * a delivery's rows go to one of them; SQLite has one writer, so the transaction alone is enough.
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
    if (engine === 'postgres') abandonedQuery = abandonedQuery.where(deliveryIsOurs).forUpdate().skipLocked();
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
      if (engine === 'postgres') pendingQuery = pendingQuery.where(deliveryIsOurs).forUpdate().skipLocked();
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
      let deliveryId = row.delivery_id ?? row.id;
      const { companions, finishedElsewhere, heldElsewhere } = await findCompanions(trx, engine, row, deliveryId, options, now);
      // Something else (an operator's retry, a receipt) holds the rest of this message right now: sent in two parts
      // under one id, one part would be answered "already sent" unsent. Left for the next claim, which finds them
      // together.
      if (heldElsewhere) continue;
      // Some of the delivery's rows finished without these (sent, say): what the function recorded under its id is
      // about them, so these go out as a message of their own.
      if (finishedElsewhere) deliveryId = randomUUID();
      add(deliveryId, row);
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

/**
 * Rows that belong in the same message as `leader`; whether rows once delivered with it have finished without it
 * (an operator retried part of a digest, or data from before rows moved together); and whether another transaction
 * holds some of them (PostgreSQL: locked).
 */
async function findCompanions(
  trx: Trx,
  engine: Engine,
  leader: NotificationRow,
  deliveryId: string,
  options: ClaimOptions,
  now: string,
): Promise<{ companions: NotificationRow[]; finishedElsewhere: boolean; heldElsewhere: boolean }> {
  if (leader.delivery_id !== null) {
    const rows = await trx.selectFrom('notifications').selectAll().where('delivery_id', '=', deliveryId).where('id', '!=', leader.id).execute();
    const due = rows.filter((row) => row.status === 'pending' || (row.status === 'sending' && row.lease_until !== null && row.lease_until < now));
    let companions = due;
    if (engine === 'postgres' && due.length > 0) {
      const locked = await trx.selectFrom('notifications').select('id').where('id', 'in', due.map((row) => row.id)).forUpdate().skipLocked().execute();
      const ours = new Set(locked.map((row) => row.id));
      companions = due.filter((row) => ours.has(row.id));
    }
    return {
      companions,
      finishedElsewhere: rows.some((row) => row.status !== 'pending' && row.status !== 'sending'),
      heldElsewhere: companions.length < due.length,
    };
  }
  if (options.digestMs <= 0) return { companions: [], finishedElsewhere: false, heldElsewhere: false };
  const windowEnd = new Date(Date.parse(leader.created_at) + options.digestMs).toISOString();
  let query = trx
    .selectFrom('notifications')
    .selectAll()
    .where('assignee_id', '=', leader.assignee_id)
    .where('status', '=', 'pending')
    .where('delivery_id', 'is', null)
    .where('id', '!=', leader.id)
    .where('created_at', '<=', windowEnd);
  if (engine === 'postgres') query = query.forUpdate().skipLocked();
  return { companions: await query.execute(), finishedElsewhere: false, heldElsewhere: false };
}

function toClaimedRow(row: NotificationRow): ClaimedRow {
  return {
    id: row.id,
    assigneeId: row.assignee_id,
    actorId: row.actor_id,
    via: row.via,
    note: row.note,
    attempts: row.attempts,
    createdAt: row.created_at,
  };
}
