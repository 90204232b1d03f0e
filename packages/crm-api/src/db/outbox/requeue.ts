import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Engine } from '../database.js';
import type { Database, NotificationRow, NotificationStatus } from '../schema.js';
import type { Trx } from '../transaction.js';

/** Putting finished notifications back in the queue: by an operator, for lack of a receipt, after an acceptance. */

/** States an operator may send again: finished without a message, or maybe with one (`unconfirmed`). */
export const REQUEUEABLE_STATUSES = ['failed', 'dead', 'skipped', 'unconfirmed'] as const satisfies readonly NotificationStatus[];

type RowRef = Pick<NotificationRow, 'id' | 'delivery_id'>;

/**
 * Moves each delivery's rows to a new delivery id of their own, for a message sent again although WeChat may have
 * had it (`unconfirmed`), or had it and then said it did not arrive. The cloud function sends a delivery id at most
 * once, whatever repeats it (a retry after a timeout, a run stopped mid-send), so a new message needs a new id; a
 * receipt for the new message is then awaited afresh.
 */
export async function moveToNewDeliveries(trx: Trx, rows: RowRef[]): Promise<void> {
  const idsByDelivery = new Map<string, string[]>();
  for (const row of rows) {
    const deliveryId = row.delivery_id ?? row.id;
    idsByDelivery.set(deliveryId, [...(idsByDelivery.get(deliveryId) ?? []), row.id]);
  }
  for (const ids of idsByDelivery.values()) {
    await trx.updateTable('notifications').set({ delivery_id: randomUUID(), confirmed_at: null }).where('id', 'in', ids).execute();
  }
}

/** What the function recorded under the row's delivery id may say it was sent: sending it again needs a new id. */
function mayHaveReachedWechat(row: Pick<NotificationRow, 'status' | 'reason'>): boolean {
  return row.status === 'unconfirmed' || (row.status === 'failed' && row.reason === 'DELIVERY_FAILED');
}

/**
 * Puts finished rows back in the queue with a fresh attempt budget: the given ids — each with the rest of the
 * message it went out in, so a digest goes out again whole — or every skipped row of one assignee. Returns the
 * ids requeued. On PostgreSQL the rows are locked as they are read, so a receipt or a worker changing one meanwhile
 * is waited for and seen.
 */
export async function requeueRows(db: Kysely<Database>, engine: Engine, target: { ids: string[] } | { skippedOf: string }, now: string): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    let query = trx.selectFrom('notifications').select(['id', 'delivery_id', 'status', 'reason']);
    query =
      'ids' in target
        ? query.where('status', 'in', REQUEUEABLE_STATUSES).where((eb) =>
            eb.or([
              eb('id', 'in', target.ids),
              eb(
                'delivery_id',
                'in',
                eb.selectFrom('notifications as asked').select('asked.delivery_id').where('asked.id', 'in', target.ids).where('asked.status', 'in', REQUEUEABLE_STATUSES),
              ),
            ]),
          )
        : query.where('assignee_id', '=', target.skippedOf).where('status', '=', 'skipped');
    if (engine === 'postgres') query = query.forUpdate();
    const rows = await query.execute();
    if (rows.length === 0) return [];
    await moveToNewDeliveries(trx, rows.filter(mayHaveReachedWechat));
    const requeued = await trx
      .updateTable('notifications')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now, no_receipt_resent: 0 })
      .where('id', 'in', rows.map((row) => row.id))
      .where('status', 'in', REQUEUEABLE_STATUSES)
      .returning('id')
      .execute();
    return requeued.map((row) => row.id);
  });
}

/**
 * Unconfirmed deliveries no receipt settled by `cutoff`: with message push configured a delivered message's
 * receipt comes within seconds, so they are sent again — once, as a new delivery (the documented choice): a resend
 * that again ends unconfirmed waits for an operator. A delivery's rows go together. Returns the ids requeued.
 */
export async function requeueUnreceipted(db: Kysely<Database>, cutoff: string, now: string): Promise<string[]> {
  const due = (trx: Trx) =>
    trx
      .selectFrom('notifications')
      .select('delivery_id')
      .where('status', '=', 'unconfirmed')
      .where('confirmed_at', 'is', null)
      .where('no_receipt_resent', '=', 0)
      .where('updated_at', '<', cutoff);
  // Checked on every claim: a write transaction only when there is something to requeue.
  if ((await due(db).limit(1).execute()).length === 0) return [];
  return db.transaction().execute(async (trx) => {
    // One conditional UPDATE: on PostgreSQL a row a receipt confirms meanwhile is waited for and then left alone.
    const rows = await trx
      .updateTable('notifications')
      .set({ status: 'pending', next_attempt_at: now, no_receipt_resent: 1, reason: 'NO_RECEIPT', last_error: 'NO_RECEIPT: no delivery receipt from WeChat', updated_at: now })
      .where('status', '=', 'unconfirmed')
      .where('confirmed_at', 'is', null)
      .where('delivery_id', 'in', due(trx))
      .returning(['id', 'delivery_id'])
      .execute();
    await moveToNewDeliveries(trx, rows);
    return rows.map((row) => row.id);
  });
}

/**
 * A salesperson just accepted a subscription: their skipped notifications since `since` go out again as one
 * digest, under a new delivery id (a row's own id may be one the function recorded as sent, before the row was
 * sent again and then skipped). Returns the ids.
 */
export async function requeueSkippedAsDigest(db: Trx, userId: string, since: string, now: string): Promise<string[]> {
  const requeued = await db
    .updateTable('notifications')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, delivery_id: randomUUID(), no_receipt_resent: 0, updated_at: now })
    .where('assignee_id', '=', userId)
    .where('status', '=', 'skipped')
    .where('created_at', '>=', since)
    .returning('id')
    .execute();
  return requeued.map((row) => row.id);
}
