import type { NotificationRow } from '../db/schema.js';
import { transitionContext, type DeliveryDeps } from './deps.js';
import { applyChanges, changeFor, type ChangeToApply } from './outbox/apply-change.js';
import { readDueMessages } from './outbox/claim.js';
import { messageOf } from './outbox/read.js';
import { CLAIMABLE } from './states/statuses.js';
import { transition, type Message } from './states/transition.js';

/** A message this worker holds, to send now. */
export interface ClaimedMessage {
  message: Message;
  assigneeId: string;
  rows: NotificationRow[];
}

/**
 * Claims the messages due now, in one transaction: each is read with the rest of its delivery id (or its digest
 * window), goes through the state machine's `claim`, and is leased to this worker.
 */
export async function claimMessages(deps: DeliveryDeps, workerId: string): Promise<ClaimedMessage[]> {
  const { config } = deps;
  const nowMs = deps.clock.now();
  const now = new Date(nowMs).toISOString();
  const context = transitionContext(deps, nowMs);
  return deps.db.kysely.transaction().execute(async (trx) => {
    const due = await readDueMessages(trx, { now, limit: config.NOTIFY_BATCH_SIZE, digestMs: config.NOTIFY_DIGEST_SECONDS * 1000 });
    const claimed: ClaimedMessage[] = [];
    const items: ChangeToApply[] = [];
    for (const { deliveryId, rows, finishedUnderItsId } of due) {
      const { assigneeId, rowsOf, ...message } = messageOf(deliveryId, rows);
      const decision = transition(message, { type: 'claim', finishedUnderItsId }, context);
      if (!decision || !('change' in decision)) continue;
      const { change } = decision;
      // A message's rows share one state; a row a dead worker left is taken from `sending`, the others from `pending`.
      for (const status of new Set(rowsOf.map((row) => row.status))) {
        const from = status === CLAIMABLE.abandoned ? { status, leaseExpiredBy: now } : { status };
        items.push(changeFor(rowsOf.filter((row) => row.status === status), deliveryId, from, change));
      }
      claimed.push({ message: { ...message, status: change.status, deliveryId: change.deliveryId, fateUnknown: change.fateUnknown }, assigneeId, rows: rowsOf });
    }
    const leaseUntil = new Date(nowMs + config.NOTIFY_LEASE_SECONDS * 1000).toISOString();
    const applied = await applyChanges(trx, items, { now, lease: { owner: workerId, until: leaseUntil } });
    // A row someone else changed between the read and the write is not ours to send.
    const held = new Set(applied.flatMap(({ written }) => written));
    return claimed.flatMap((entry) => {
      const rows = entry.rows.filter((row) => held.has(row.id));
      return rows.length > 0 ? [{ ...entry, rows, message: { ...entry.message, rows: entry.message.rows.filter((row) => held.has(row.id)) } }] : [];
    });
  });
}
