import { transitionContext, type DeliveryDeps } from './deps.js';
import { applyChanges, changeFor, type ChangeToApply } from './outbox/apply-change.js';
import { firstAttemptTimes, messagesOf } from './outbox/read.js';
import { candidateOf, readOurTemplates, readUnreceipted, readWaitingReceipts } from './outbox/receipts.js';
import { couldBeFor } from './states/pair-receipts.js';
import { transition } from './states/transition.js';

/**
 * With message push configured, a delivered message's receipt comes within seconds: an unconfirmed message none came
 * for within NOTIFY_RECEIPT_WAIT_MINUTES did not arrive, and goes out again — once, as a new message. One for which a
 * receipt is waiting that could be its own (but could not be told apart from another's) is left for an operator: sent
 * again, it might arrive twice. Returns how many notifications went back to the queue.
 */
export async function resendUnreceipted(deps: DeliveryDeps): Promise<number> {
  if (!deps.config.WECHAT_PUSH_TOKEN) return 0;
  const nowMs = deps.clock.now();
  const windowMs = deps.config.NOTIFY_RECEIPT_WAIT_MINUTES * 60_000;
  const cutoff = new Date(nowMs - windowMs).toISOString();
  // Checked every poll: a write transaction only when there is something to requeue.
  if ((await readUnreceipted(deps.db.kysely, cutoff, { limit: 1 })).length === 0) return 0;
  const context = transitionContext(deps, nowMs);
  const now = new Date(nowMs).toISOString();
  const requeued = await deps.db.kysely.transaction().execute(async (trx) => {
    const messages = messagesOf(await readUnreceipted(trx, cutoff, { lock: true }));
    const firstTried = await firstAttemptTimes(trx, messages.map((message) => message.deliveryId));
    const items: ChangeToApply[] = [];
    for (const { rowsOf, assigneeId: _assignee, ...message } of messages) {
      const openid = rowsOf[0]?.wechat_openid;
      if (openid) {
        const candidate = candidateOf(rowsOf[0]!, firstTried.get(message.deliveryId));
        const waiting = await readWaitingReceipts(trx, openid, new Date(Date.parse(candidate.firstTriedAt) - windowMs).toISOString());
        const rules = { ourTemplates: await readOurTemplates(trx, openid), windowMs };
        if (waiting.some((receipt) => couldBeFor(receipt, candidate, rules))) continue;
      }
      const decision = transition(message, { type: 'no-receipt-in-time' }, context);
      if (!decision || !('change' in decision)) continue;
      items.push(changeFor(rowsOf, message.deliveryId, { status: message.status, confirmed: false }, decision.change));
    }
    const applied = await applyChanges(trx, items, { now });
    return applied.reduce((count, { written }) => count + written.length, 0);
  });
  if (requeued > 0) {
    deps.logger.warn({ notifications: requeued }, 'no delivery receipt came for unconfirmed notifications: sending them again');
    deps.wake();
  }
  return requeued;
}
