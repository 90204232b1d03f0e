import type { Trx } from '../transaction.js';

/**
 * The outbox's side of WeChat's delivery receipts (subscribe_msg_sent_event). A receipt names only the
 * openid and the template — the send API does not reliably return the MsgID it carries — so receipts settle
 * that openid's deliveries oldest first. A receipt can arrive before the notifier has recorded the delivery
 * (WeChat pushes it within moments of the send): it waits, and recording the delivery settles it.
 */
/** Stores a receipt once: `id` is derived from the push, so WeChat's retry of a half-applied push adds nothing. */
export async function recordReceipt(db: Trx, receipt: { id: string; openid: string; delivered: boolean; detail: string; receivedAt: string }): Promise<void> {
  await db
    .insertInto('wechat_receipts')
    .values({ id: receipt.id, openid: receipt.openid, delivered: receipt.delivered ? 1 : 0, detail: receipt.detail, received_at: receipt.receivedAt, settled_delivery_id: null })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
}

export interface Settlement {
  deliveryId: string;
  status: 'sent' | 'pending' | 'failed';
}

/** Pairs this openid's waiting receipts with its deliveries still waiting for one, oldest with oldest. */
export async function settleReceipts(db: Trx, openid: string, now: string): Promise<Settlement[]> {
  const settlements: Settlement[] = [];
  const receipts = await db
    .selectFrom('wechat_receipts')
    .selectAll()
    .where('openid', '=', openid)
    .where('settled_delivery_id', 'is', null)
    .orderBy('received_at')
    .orderBy('id')
    .execute();
  for (const receipt of receipts) {
    const oldest = await db
      .selectFrom('notifications')
      .select(['delivery_id', 'status'])
      .where('wechat_openid', '=', openid)
      .where('confirmed_at', 'is', null)
      .where('status', 'in', ['sent', 'unconfirmed'])
      .orderBy((eb) => eb.fn.coalesce('sent_at', 'updated_at'))
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (!oldest?.delivery_id) break;
    const deliveryId = oldest.delivery_id;
    const rows = db.updateTable('notifications').where('delivery_id', '=', deliveryId).where('confirmed_at', 'is', null);
    let status: Settlement['status'];
    if (receipt.delivered === 1) {
      await rows.set({ status: 'sent', confirmed_at: now, sent_at: receipt.received_at, reason: 'SENT', last_error: null }).execute();
      status = 'sent';
    } else if (oldest.status === 'unconfirmed') {
      // WeChat says it did not arrive: certainly not sent, so sending it again cannot duplicate it.
      await rows
        .set({ status: 'pending', next_attempt_at: now, resend_requested: 1, reason: 'DELIVERY_FAILED', last_error: `DELIVERY_FAILED: ${receipt.detail}`, updated_at: now })
        .execute();
      status = 'pending';
    } else {
      await rows.set({ status: 'failed', confirmed_at: now, reason: 'DELIVERY_FAILED', last_error: `DELIVERY_FAILED: ${receipt.detail}`, updated_at: now }).execute();
      status = 'failed';
    }
    await db.updateTable('wechat_receipts').set({ settled_delivery_id: deliveryId }).where('id', '=', receipt.id).execute();
    settlements.push({ deliveryId, status });
  }
  return settlements;
}

/**
 * Unconfirmed deliveries no receipt settled by `cutoff`: with message push configured a delivered message's
 * receipt comes within seconds, so they are sent again (the documented choice). Returns the ids requeued.
 */
export async function requeueUnreceipted(db: Trx, cutoff: string, now: string): Promise<string[]> {
  const rows = await db
    .updateTable('notifications')
    .set({ status: 'pending', next_attempt_at: now, resend_requested: 1, reason: 'NO_RECEIPT', last_error: 'NO_RECEIPT: no delivery receipt from WeChat', updated_at: now })
    .where('status', '=', 'unconfirmed')
    .where('confirmed_at', 'is', null)
    .where('updated_at', '<', cutoff)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/**
 * A salesperson just accepted a subscription: their skipped notifications since `since` go out again as one
 * digest — all under the first one's delivery id, so the claim merges them into one message. Returns the ids.
 */
export async function requeueSkippedAsDigest(db: Trx, userId: string, since: string, now: string): Promise<string[]> {
  const skipped = await db
    .selectFrom('notifications')
    .select('id')
    .where('assignee_id', '=', userId)
    .where('status', '=', 'skipped')
    .where('created_at', '>=', since)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const first = skipped[0];
  if (!first) return [];
  const ids = skipped.map((row) => row.id);
  await db
    .updateTable('notifications')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, delivery_id: first.id, updated_at: now })
    .where('id', 'in', ids)
    .where('status', '=', 'skipped')
    .execute();
  return ids;
}
