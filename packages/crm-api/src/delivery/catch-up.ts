import { transitionContext, type DeliveryDeps } from './deps.js';
import { applyChanges, changeFor } from './outbox/apply-change.js';
import { messageOf, readSkippedRows, usersByIds } from './outbox/read.js';
import { transition } from './states/transition.js';

/**
 * A salesperson accepted a subscription: what was skipped for them in the last NOTIFY_CATCH_UP_DAYS (or only the rows
 * named) goes out as one digest, under one new delivery id. A deactivated salesperson gets nothing. Returns how many
 * notifications went back to the queue.
 */
export async function catchUp(deps: DeliveryDeps, userId: string, only?: readonly string[]): Promise<number> {
  const days = deps.config.NOTIFY_CATCH_UP_DAYS;
  if (days === 0) return 0;
  if ((await usersByIds(deps.db.kysely, [userId])).get(userId)?.active !== true) return 0;
  const nowMs = deps.clock.now();
  const now = new Date(nowMs).toISOString();
  const context = transitionContext(deps, nowMs);
  const requeued = await deps.db.kysely.transaction().execute(async (trx) => {
    const rows = await readSkippedRows(trx, userId, { since: new Date(nowMs - days * 86_400_000).toISOString(), only });
    if (rows.length === 0) return 0;
    // One message of them all: the state machine gives it one new delivery id.
    const { rowsOf, assigneeId: _assignee, ...digest } = messageOf(context.newDeliveryId(), rows);
    const decision = transition(digest, { type: 'acceptance' }, context);
    if (!decision || !('change' in decision)) return 0;
    const [applied] = await applyChanges(trx, [changeFor(rowsOf, digest.deliveryId, { status: digest.status }, decision.change)], { now });
    return applied?.written.length ?? 0;
  });
  if (requeued > 0) {
    deps.logger.info({ userId, notifications: requeued }, 'catch-up: skipped notifications go out as one digest');
    deps.wake();
  }
  return requeued;
}
