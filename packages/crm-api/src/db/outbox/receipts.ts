import type { Kysely } from 'kysely';
import type { Engine } from '../database.js';
import type { Database } from '../schema.js';
import { randomUUID } from 'node:crypto';
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

/**
 * Pairs this openid's waiting receipts with its deliveries still waiting for one, oldest with oldest, in one
 * transaction (the push handler and the notifier settle at the same moments; on PostgreSQL the second waits for the
 * first's receipts). A receipt comes within moments of its send: it pairs only with a delivery made at most
 * `receiptWaitMs` before it arrived, and waits at most that long for its delivery to be recorded, so a delivery
 * whose receipt never came (a push lost, or sent before push was set up) cannot take a later message's receipt.
 */
export async function settleReceipts(
  db: Kysely<Database>,
  engine: Engine,
  openid: string,
  options: { now: string; receiptWaitMs: number },
): Promise<Settlement[]> {
  const oldestAcceptable = (time: string) => new Date(Date.parse(time) - options.receiptWaitMs).toISOString();
  const waitingReceipts = (trx: Trx) =>
    trx
      .selectFrom('wechat_receipts')
      .selectAll()
      .where('openid', '=', openid)
      .where('settled_delivery_id', 'is', null)
      .where('received_at', '>=', oldestAcceptable(options.now))
      .orderBy('received_at')
      .orderBy('id');
  // Run after every recorded batch: a write transaction only when a receipt is waiting.
  if ((await waitingReceipts(db).limit(1).execute()).length === 0) return [];
  return db.transaction().execute(async (trx) => {
    let waiting = waitingReceipts(trx);
    if (engine === 'postgres') waiting = waiting.forUpdate();
    const settlements: Settlement[] = [];
    for (const receipt of await waiting.execute()) {
      const oldest = await trx
        .selectFrom('notifications')
        .select(['delivery_id', 'status'])
        .where('wechat_openid', '=', openid)
        .where('confirmed_at', 'is', null)
        .where('status', 'in', ['sent', 'unconfirmed'])
        .where((eb) => eb(eb.fn.coalesce('sent_at', 'updated_at'), '>=', oldestAcceptable(receipt.received_at)))
        .orderBy((eb) => eb.fn.coalesce('sent_at', 'updated_at'))
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      // Later receipts accept only later deliveries: none of them pairs either.
      if (!oldest?.delivery_id) break;
      const deliveryId = oldest.delivery_id;
      const rows = trx.updateTable('notifications').where('delivery_id', '=', deliveryId).where('confirmed_at', 'is', null).where('status', 'in', ['sent', 'unconfirmed']);
      let settlement: Settlement;
      if (receipt.delivered === 1) {
        await rows.set({ status: 'sent', confirmed_at: options.now, sent_at: receipt.received_at, reason: 'SENT', last_error: null }).execute();
        settlement = { deliveryId, status: 'sent' };
      } else if (oldest.status === 'unconfirmed') {
        // WeChat says it did not arrive: certainly not sent, so sending it again cannot duplicate it. It goes out as a
        // new message, under a new delivery id (the function sends an id once), whose own receipt is awaited.
        const newDeliveryId = randomUUID();
        await rows
          .set({ status: 'pending', next_attempt_at: options.now, delivery_id: newDeliveryId, reason: 'DELIVERY_FAILED', last_error: `DELIVERY_FAILED: ${receipt.detail}`, updated_at: options.now })
          .execute();
        settlement = { deliveryId: newDeliveryId, status: 'pending' };
      } else {
        await rows.set({ status: 'failed', confirmed_at: options.now, reason: 'DELIVERY_FAILED', last_error: `DELIVERY_FAILED: ${receipt.detail}`, updated_at: options.now }).execute();
        settlement = { deliveryId, status: 'failed' };
      }
      await trx.updateTable('wechat_receipts').set({ settled_delivery_id: deliveryId }).where('id', '=', receipt.id).execute();
      settlements.push(settlement);
    }
    return settlements;
  });
}
