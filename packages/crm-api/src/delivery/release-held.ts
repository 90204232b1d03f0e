import { transitionContext, type DeliveryDeps } from './deps.js';
import { applyChanges, changeFor } from './outbox/apply-change.js';
import { readHeldRows } from './outbox/claim.js';
import { messagesOf } from './outbox/read.js';
import { transition } from './states/transition.js';

/** On stopping: the messages this worker holds but did not send go back to the queue, without using an attempt. */
export async function releaseHeld(deps: DeliveryDeps, workerId: string): Promise<number> {
  const nowMs = deps.clock.now();
  const context = transitionContext(deps, nowMs);
  return deps.db.kysely.transaction().execute(async (trx) => {
    const items = messagesOf(await readHeldRows(trx, workerId)).flatMap(({ rowsOf, assigneeId: _assignee, ...message }) => {
      const decision = transition(message, { type: 'release' }, context);
      if (!decision || !('change' in decision)) return [];
      return [changeFor(rowsOf, message.deliveryId, { status: message.status, heldBy: workerId }, decision.change)];
    });
    const applied = await applyChanges(trx, items, { now: new Date(nowMs).toISOString() });
    return applied.reduce((count, { written }) => count + written.length, 0);
  });
}
