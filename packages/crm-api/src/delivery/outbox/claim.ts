import { sql } from 'kysely';
import type { NotificationRow } from '../../db/schema.js';
import { locksRows, type Trx } from '../../db/transaction.js';
import { CLAIMABLE } from '../states/statuses.js';
import { deliveryIdOf } from './read.js';

export interface DueOptions {
  now: string;
  /** Most messages. */
  limit: number;
  /** > 0: an assignee's pending rows created within this window of the first go out as one message. */
  digestMs: number;
}

/** Rows due together as one message, and the rows of its delivery id that finished without them. */
export interface DueMessage {
  deliveryId: string;
  rows: NotificationRow[];
  finishedUnderItsId: Array<Pick<NotificationRow, 'status' | 'reason'>>;
}

/**
 * PostgreSQL: whether this claim may take the row's message — a transaction-scoped advisory lock on its delivery id (its
 * own id before its first attempt), taken as the row is read. Two claims thus never split one message's rows between
 * them (each would then skip it, or send its part under one id); the one that takes it gets them all.
 */
const messageIsOurs = sql<boolean>`pg_try_advisory_xact_lock(hashtextextended(coalesce(delivery_id, id), 0))`;

/**
 * Reads (and on PostgreSQL locks, `FOR UPDATE SKIP LOCKED`) the messages due now: rows pending and due, or `sending`
 * with an expired lease (their worker died), each with the rest of its message. Writes nothing: the caller decides
 * and applies, in the same transaction. SQLite has one writer, so there the transaction alone keeps claims apart.
 */
export async function readDueMessages(trx: Trx, options: DueOptions): Promise<DueMessage[]> {
  const lock = locksRows(trx);
  // Two index range scans rather than one OR, so neither needs a sort over the whole outbox.
  let abandonedQuery = trx
    .selectFrom('notifications')
    .selectAll()
    .where('status', '=', CLAIMABLE.abandoned)
    .where('lease_until', '<', options.now)
    .orderBy('lease_until')
    .limit(options.limit);
  if (lock) abandonedQuery = abandonedQuery.where(messageIsOurs).forUpdate().skipLocked();
  const abandoned = await abandonedQuery.execute();
  let due = abandoned;
  if (abandoned.length < options.limit) {
    let pendingQuery = trx
      .selectFrom('notifications')
      .selectAll()
      .where('status', '=', CLAIMABLE.due)
      .where('next_attempt_at', '<=', options.now)
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(options.limit - abandoned.length);
    if (lock) pendingQuery = pendingQuery.where(messageIsOurs).forUpdate().skipLocked();
    due = [...abandoned, ...(await pendingQuery.execute())];
  }

  const messages: DueMessage[] = [];
  const taken = new Set<string>();
  for (const leader of due) {
    if (taken.has(leader.id)) continue;
    const { companions, finishedUnderItsId, heldElsewhere } = await companionsOf(trx, leader, options);
    // Something else (an operator's retry, a receipt) holds the rest of this message right now: sent in two parts under
    // one id, one part would be answered "already sent" unsent. Left for the next claim, which finds them together.
    if (heldElsewhere) continue;
    const rows = [leader, ...companions].filter((row) => !taken.has(row.id));
    for (const row of rows) taken.add(row.id);
    messages.push({ deliveryId: deliveryIdOf(leader), rows, finishedUnderItsId });
  }
  return messages;
}

const isDue = (row: NotificationRow, now: string) =>
  row.status === CLAIMABLE.due || (row.status === CLAIMABLE.abandoned && row.lease_until !== null && row.lease_until < now);

/**
 * The rows that go out in the same message as `leader`: the rest of its delivery id, or — before its first attempt,
 * with a digest window — the assignee's other new rows of the window. Also the rows of its id that finished
 * without it, and whether another transaction holds some of them (PostgreSQL: locked).
 */
async function companionsOf(
  trx: Trx,
  leader: NotificationRow,
  options: DueOptions,
): Promise<{ companions: NotificationRow[]; finishedUnderItsId: NotificationRow[]; heldElsewhere: boolean }> {
  if (leader.delivery_id !== null) {
    const rows = await trx.selectFrom('notifications').selectAll().where('delivery_id', '=', leader.delivery_id).where('id', '!=', leader.id).execute();
    const due = rows.filter((row) => isDue(row, options.now));
    let companions = due;
    if (locksRows(trx) && due.length > 0) {
      const locked = await trx.selectFrom('notifications').select('id').where('id', 'in', due.map((row) => row.id)).forUpdate().skipLocked().execute();
      const ours = new Set(locked.map((row) => row.id));
      companions = due.filter((row) => ours.has(row.id));
    }
    return {
      companions,
      finishedUnderItsId: rows.filter((row) => row.status !== CLAIMABLE.due && row.status !== CLAIMABLE.abandoned),
      heldElsewhere: companions.length < due.length,
    };
  }
  if (options.digestMs <= 0) return { companions: [], finishedUnderItsId: [], heldElsewhere: false };
  const windowEnd = new Date(Date.parse(leader.created_at) + options.digestMs).toISOString();
  let query = trx
    .selectFrom('notifications')
    .selectAll()
    .where('assignee_id', '=', leader.assignee_id)
    .where('status', '=', CLAIMABLE.due)
    .where('delivery_id', 'is', null)
    .where('id', '!=', leader.id)
    .where('created_at', '<=', windowEnd);
  if (locksRows(trx)) query = query.forUpdate().skipLocked();
  return { companions: await query.execute(), finishedUnderItsId: [], heldElsewhere: false };
}

/** Rows a worker holds: on stopping, the ones it has not sent go back. */
export async function readHeldRows(trx: Trx, workerId: string): Promise<NotificationRow[]> {
  return trx.selectFrom('notifications').selectAll().where('status', '=', CLAIMABLE.abandoned).where('lease_owner', '=', workerId).execute();
}
