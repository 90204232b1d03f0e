import type { NotificationRow } from '../../db/schema.js';
import { locksRows, type Trx } from '../../db/transaction.js';
import type { ReceiptCandidate, WaitingReceipt } from '../states/pair-receipts.js';
import { AWAITING_RECEIPT, IN_FLIGHT, QUEUED, UNCONFIRMED } from '../states/statuses.js';

/** The outbox's side of WeChat's delivery receipts (subscribe_msg_sent_event): stored, read, marked settled. */

export interface ReceiptToStore {
  /** Derived from the push (its MsgID where it has one): the same receipt pushed again adds nothing. */
  id: string;
  openid: string;
  delivered: boolean;
  detail: string;
  templateId: string | null;
  msgId: string | null;
  createdAt: string;
  receivedAt: string;
}

/** Stores a receipt once; true when it is new. */
export async function storeReceipt(db: Trx, receipt: ReceiptToStore): Promise<boolean> {
  const result = await db
    .insertInto('wechat_receipts')
    .values({
      id: receipt.id,
      openid: receipt.openid,
      delivered: receipt.delivered ? 1 : 0,
      detail: receipt.detail,
      template_id: receipt.templateId,
      msg_id: receipt.msgId,
      created_at: receipt.createdAt,
      received_at: receipt.receivedAt,
      settled_delivery_id: null,
    })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Receipts for this openid not yet settled, received at or after `since`; `lock`: locked where rows lock, for a settler. */
export async function readWaitingReceipts(db: Trx, openid: string, since: string, options: { lock?: boolean } = {}): Promise<Array<WaitingReceipt & { detail: string }>> {
  let query = db
    .selectFrom('wechat_receipts')
    .selectAll()
    .where('openid', '=', openid)
    .where('settled_delivery_id', 'is', null)
    .where('received_at', '>=', since)
    .orderBy('received_at')
    .orderBy('id');
  if (options.lock && locksRows(db)) query = query.forUpdate();
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    delivered: row.delivered === 1,
    detail: row.detail,
    templateId: row.template_id,
    msgId: row.msg_id,
    createdAt: row.created_at ?? row.received_at,
    receivedAt: row.received_at,
  }));
}

/** The openids with a receipt not yet settled, received at or after `since`. */
export async function readOpenidsWithWaitingReceipts(db: Trx, since: string): Promise<string[]> {
  const rows = await db.selectFrom('wechat_receipts').select('openid').distinct().where('settled_delivery_id', 'is', null).where('received_at', '>=', since).execute();
  return rows.map((row) => row.openid);
}

/** Whether any receipt is waiting for this openid: most recorded batches have none, and need no transaction. */
export async function anyReceiptWaiting(db: Trx, openid: string, since: string): Promise<boolean> {
  const row = await db
    .selectFrom('wechat_receipts')
    .select('id')
    .where('openid', '=', openid)
    .where('settled_delivery_id', 'is', null)
    .where('received_at', '>=', since)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The rows of this openid's messages waiting for a receipt, updated at or after `since`. */
export async function readRowsAwaitingReceipt(db: Trx, openid: string, since: string): Promise<NotificationRow[]> {
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('wechat_openid', '=', openid)
    .where('confirmed_at', 'is', null)
    .where('status', 'in', AWAITING_RECEIPT)
    .where('updated_at', '>=', since)
    .execute();
}

export function candidateOf(row: NotificationRow, firstTriedAt: string | undefined): ReceiptCandidate {
  return {
    deliveryId: row.delivery_id ?? row.id,
    status: row.status === 'sent' ? 'sent' : 'unconfirmed',
    templateId: row.template_id,
    msgId: row.msg_id,
    firstTriedAt: row.tried_at ?? firstTriedAt ?? row.sent_at ?? row.updated_at,
  };
}

export async function markReceiptSettled(db: Trx, receiptId: string, deliveryId: string): Promise<void> {
  await db.updateTable('wechat_receipts').set({ settled_delivery_id: deliveryId }).where('id', '=', receiptId).where('settled_delivery_id', 'is', null).execute();
}

/**
 * The templates the product has sent this openid messages with, or the function has counted their acceptances for: a
 * receipt of any other template is the host mini program's own business.
 */
export async function readOurTemplates(db: Trx, openid: string): Promise<Set<string>> {
  const [sent, counted] = await Promise.all([
    db.selectFrom('notifications').select('template_id').distinct().where('wechat_openid', '=', openid).where('template_id', 'is not', null).execute(),
    db.selectFrom('wechat_subscriptions').select('template_id').where('openid', '=', openid).execute(),
  ]);
  return new Set([...sent.map((row) => row.template_id as string), ...counted.map((row) => row.template_id)]);
}

/** Rows of unconfirmed messages no receipt settled, last changed before `cutoff`, not yet sent again for it. */
export async function readUnreceipted(db: Trx, cutoff: string, options: { limit?: number; lock?: boolean } = {}): Promise<NotificationRow[]> {
  let query = db
    .selectFrom('notifications')
    .selectAll()
    .where('status', '=', UNCONFIRMED)
    .where('confirmed_at', 'is', null)
    .where('no_receipt_resent', '=', 0)
    .where('updated_at', '<', cutoff);
  if (options.limit !== undefined) query = query.limit(options.limit);
  if (options.lock && locksRows(db)) query = query.forUpdate();
  return query.execute();
}

/**
 * The deliveries to whoever holds this openid that are not answered yet — being sent, or waiting to be tried again
 * after an answer was lost — with when each was first tried (its claim, before any attempt is recorded). Their
 * assignees are the CRM users a delivery to this openid went to, or the function's binding says it is.
 */
export async function readUnansweredFor(db: Trx, openid: string): Promise<Array<{ deliveryId: string; firstTriedAt: string }>> {
  const rows = await db
    .selectFrom('notifications as n')
    .leftJoin('notification_attempts as a', 'a.delivery_id', 'n.delivery_id')
    .select(['n.delivery_id', (eb) => eb.fn.min(eb.fn.coalesce('n.tried_at', 'a.started_at', 'n.updated_at')).as('first_tried_at')])
    .where((eb) =>
      eb.or([
        eb('n.status', '=', IN_FLIGHT),
        eb.and([eb('n.status', '=', QUEUED), eb('n.fate_unknown', '=', 1)]),
      ]),
    )
    .where('n.delivery_id', 'is not', null)
    .where((eb) =>
      eb('n.assignee_id', 'in', eb.selectFrom('notifications as sent').select('sent.assignee_id').where('sent.wechat_openid', '=', openid)).or(
        'n.assignee_id',
        'in',
        eb.selectFrom('wechat_subscriptions as s').select('s.crm_user_id').where('s.openid', '=', openid).where('s.crm_user_id', 'is not', null),
      ),
    )
    .groupBy('n.delivery_id')
    .execute();
  return rows.flatMap((row) => (row.delivery_id && row.first_tried_at ? [{ deliveryId: row.delivery_id, firstTriedAt: String(row.first_tried_at) }] : []));
}
