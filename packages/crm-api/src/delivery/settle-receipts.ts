import { transitionContext, type DeliveryDeps } from './deps.js';
import { applyChanges, changeFor, type ChangeToApply } from './outbox/apply-change.js';
import { firstAttemptTimes, messagesOf } from './outbox/read.js';
import {
  anyReceiptWaiting,
  candidateOf,
  markReceiptSettled,
  readOpenidsWithWaitingReceipts,
  readOurTemplates,
  readRowsAwaitingReceipt,
  readUnansweredFor,
  readWaitingReceipts,
} from './outbox/receipts.js';
import { pairReceipts } from './states/pair-receipts.js';
import { transition } from './states/transition.js';

/**
 * Settles WeChat's delivery receipts for these openids: pairs each waiting receipt with the delivery it can only be
 * for (delivery/states/pair-receipts.ts) and applies what the receipt says through the state machine. Run when a
 * receipt arrives and when a delivery waiting for one is recorded, since either may come first; on PostgreSQL two
 * settlers of one openid take turns (its receipts are locked). A refuted delivery that goes out again wakes the
 * notifier.
 */
export async function settleReceipts(deps: DeliveryDeps, openids: Iterable<string>): Promise<void> {
  const windowMs = deps.config.NOTIFY_RECEIPT_WAIT_MINUTES * 60_000;
  let requeued = false;
  for (const openid of new Set(openids)) {
    const nowMs = deps.clock.now();
    const since = new Date(nowMs - windowMs).toISOString();
    if (!(await anyReceiptWaiting(deps.db.kysely, openid, since))) continue;
    const context = transitionContext(deps, nowMs);
    const now = new Date(nowMs).toISOString();
    const settled = await deps.db.kysely.transaction().execute(async (trx) => {
      const receipts = await readWaitingReceipts(trx, openid, since, { lock: true });
      // The deliveries not yet answered are read before those waiting for a receipt, never after. On PostgreSQL each
      // statement sees what was committed when it began: a delivery answered between the two reads would otherwise be
      // in neither (not yet waiting when the rows were read, no longer unanswered after), and its receipt taken for
      // another delivery's. Read in this order, it is in one or the other, or both.
      const unanswered = await readUnansweredFor(trx, openid);
      // A delivery first tried within the window before its receipt may have been recorded since (a late answer).
      const rows = await readRowsAwaitingReceipt(trx, openid, new Date(nowMs - 2 * windowMs).toISOString());
      const messages = new Map(messagesOf(rows).map((message) => [message.deliveryId, message]));
      const firstTried = await firstAttemptTimes(trx, [...messages.keys()]);
      const candidates = [...messages.values()].map((message) => candidateOf(message.rowsOf[0]!, firstTried.get(message.deliveryId)));
      const pairs = pairReceipts(receipts, candidates, { ourTemplates: await readOurTemplates(trx, openid), windowMs, unanswered });
      const items: Array<{ receiptId: string; item: ChangeToApply }> = [];
      for (const { receiptId, deliveryId } of pairs) {
        const receipt = receipts.find((candidate) => candidate.id === receiptId)!;
        const { rowsOf, assigneeId: _assignee, ...message } = messages.get(deliveryId)!;
        const decision = transition(message, { type: 'receipt', delivered: receipt.delivered, detail: receipt.detail, receivedAt: receipt.receivedAt }, context);
        if (!decision || !('change' in decision)) continue;
        items.push({
          receiptId,
          item: changeFor(rowsOf, deliveryId, { status: message.status, confirmed: false }, decision.change),
        });
      }
      const applied = await applyChanges(trx, items.map(({ item }) => item), { now });
      for (const [index, { written, item }] of applied.entries()) {
        if (written.length > 0) await markReceiptSettled(trx, items[index]!.receiptId, item.deliveryId);
      }
      return applied.filter(({ written }) => written.length > 0).map(({ item }) => item);
    });
    for (const item of settled) {
      deps.logger.info({ deliveryId: item.deliveryId, status: item.change.status, reason: item.change.reason }, 'delivery receipt from WeChat');
      if (item.change.status === 'pending') requeued = true;
    }
  }
  if (requeued) deps.wake();
}

/** Every openid with a receipt still waiting: settled again now (its delivery may have been recorded since). */
export async function settleWaitingReceipts(deps: DeliveryDeps): Promise<void> {
  const since = new Date(deps.clock.now() - deps.config.NOTIFY_RECEIPT_WAIT_MINUTES * 60_000).toISOString();
  await settleReceipts(deps, await readOpenidsWithWaitingReceipts(deps.db.kysely, since));
}
