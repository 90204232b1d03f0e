import type { NotificationRow } from '../db/schema.js';
import { transitionContext, type DeliveryDeps } from './deps.js';
import { changeFor } from './outbox/apply-change.js';
import type { SentBatch } from './send-batch.js';
import { partOf, transition, type Decision, type Message } from './states/transition.js';
import { writeChanges, type ChangeToRecord, type Recorded } from './write-changes.js';

export type { Recorded } from './write-changes.js';

/**
 * Records a sent batch: each answer goes through the state machine, and every change is written in one transaction,
 * only to rows this worker still holds (a worker whose lease ran out cannot overwrite whoever took over).
 */
export async function recordBatch(deps: DeliveryDeps, workerId: string, batch: SentBatch): Promise<Recorded[]> {
  const context = transitionContext(deps);
  const items: ChangeToRecord[] = [];
  const add = (message: Message, assigneeId: string, rows: readonly NotificationRow[], decision: Decision, extra: { openid?: string | undefined; customerIds?: string[] } = {}) => {
    if (!decision || !('change' in decision) || rows.length === 0) return;
    items.push({
      item: changeFor(rows, message.deliveryId, { status: message.status, heldBy: workerId }, decision.change),
      assigneeId,
      openid: extra.openid,
      customerIds: extra.customerIds ?? [],
    });
  };

  for (const result of batch.results) {
    if (result.kind === 'withdrawn') {
      items.push(result.change);
      continue;
    }
    const { message, assigneeId } = result.claimed;
    if (result.kind === 'sent') {
      add(message, assigneeId, result.rows, transition(partOf(message, idsOf(result.rows)), { type: 'answer', outcome: result.outcome }, context), {
        openid: result.outcome.openid,
        customerIds: result.customerIds,
      });
    } else {
      const answer = { type: 'answer', outcome: result.outcome, recalledFor: result.reason } as const;
      add(message, assigneeId, result.notTheirs, transition(partOf(message, idsOf(result.notTheirs)), answer, context), { openid: result.outcome.openid });
      add(message, assigneeId, result.stillTheirs, transition(partOf(message, idsOf(result.stillTheirs)), { ...answer, stillTheirs: true }, context), { openid: result.outcome.openid });
    }
  }
  return writeChanges(deps, items, batch.startedAtMs);
}

const idsOf = (rows: readonly NotificationRow[]) => new Set(rows.map((row) => row.id));
