import type { Trx } from '../transaction.js';

/**
 * The outbox's side of WeChat's delivery receipts (subscribe_msg_sent_event). A receipt names only the
 * openid and the template — the send API does not reliably return the MsgID it carries — so it settles the
 * oldest delivery to that openid still waiting for one, sent before the receipt was written.
 */
export async function settleByReceipt(
  db: Trx,
  receipt: { openid: string; createdAt: string; delivered: boolean; now: string; detail: string },
): Promise<{ deliveryId: string; status: 'sent' | 'pending' | 'failed' } | undefined> {
  const oldest = await db
    .selectFrom('notifications')
    .select(['delivery_id', 'status'])
    .where('wechat_openid', '=', receipt.openid)
    .where('confirmed_at', 'is', null)
    .where('status', 'in', ['sent', 'unconfirmed'])
    .where('updated_at', '<=', receipt.createdAt)
    .orderBy('updated_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!oldest?.delivery_id) return undefined;
  const rows = db.updateTable('notifications').where('delivery_id', '=', oldest.delivery_id).where('confirmed_at', 'is', null);
  if (receipt.delivered) {
    await rows.set({ status: 'sent', confirmed_at: receipt.now, sent_at: receipt.createdAt, reason: 'SENT', updated_at: receipt.now }).execute();
    return { deliveryId: oldest.delivery_id, status: 'sent' };
  }
  if (oldest.status === 'unconfirmed') {
    // WeChat says it did not arrive: certainly not sent, so sending it again cannot duplicate it.
    await rows
      .set({ status: 'pending', next_attempt_at: receipt.now, resend_requested: 1, reason: 'DELIVERY_FAILED', last_error: `DELIVERY_FAILED: ${receipt.detail}`, updated_at: receipt.now })
      .execute();
    return { deliveryId: oldest.delivery_id, status: 'pending' };
  }
  await rows.set({ status: 'failed', confirmed_at: receipt.now, reason: 'DELIVERY_FAILED', last_error: `DELIVERY_FAILED: ${receipt.detail}`, updated_at: receipt.now }).execute();
  return { deliveryId: oldest.delivery_id, status: 'failed' };
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
