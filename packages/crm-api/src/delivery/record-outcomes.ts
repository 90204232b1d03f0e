import type { Kysely } from 'kysely';
import type { Delivery } from '../db/outbox/claim-deliveries.js';
import { writeOutcomes, type RowStateChange } from '../db/outbox/record-outcomes.js';
import type { AttemptOutcome, Database, NotificationStatus } from '../db/schema.js';
import { retryDelayMs } from './backoff.js';
import type { DeliveryOutcome } from './types.js';

export interface RetryPolicy {
  maxAttempts: number;
  maxAgeMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  random: () => number;
}

/** Decides each row's new state from its delivery's outcome and the retry policy, and writes it. */
export async function recordOutcomes(
  db: Kysely<Database>,
  results: Array<{ delivery: Delivery; outcome: DeliveryOutcome }>,
  context: { workerId: string; startedAtMs: number; nowMs: number; policy: RetryPolicy },
): Promise<Array<{ status: NotificationStatus; reason: string }>> {
  const changes: RowStateChange[] = results.flatMap(({ delivery, outcome }) => {
    const decisions = delivery.rows.map((row) => {
      // A requeue was no attempt: the row keeps its count.
      const attempts = outcome.kind === 'requeue' ? row.attempts : row.attempts + 1;
      return { row, attempts, decided: decideRowState(outcome, attempts, row.createdAt, context) };
    });
    // One message, one state: while any of its rows has budget left (a digest's newest row is younger than its
    // first), the others wait with it. A row left behind would later go out alone under an id the rest used.
    const alive = decisions.find(({ decided }) => decided.status !== 'dead');
    return decisions.map(({ row, attempts, decided }) => ({
      rowId: row.id,
      deliveryId: delivery.deliveryId,
      attempts,
      ...(decided.status === 'dead' && alive ? alive.decided : decided),
      reason: outcome.reason,
      lastError: outcome.kind === 'sent' ? null : `${outcome.reason}: ${outcome.message ?? ''}`.trim(),
      sentAt: outcome.kind === 'sent' ? outcome.sentAt : null,
      errorCode: 'errorCode' in outcome ? (outcome.errorCode ?? null) : null,
      errorMessage: outcome.kind === 'sent' ? null : (outcome.message ?? null),
      wechatOpenid: 'openid' in outcome ? outcome.openid : undefined,
    }));
  });
  const now = new Date(context.nowMs).toISOString();
  const written = await writeOutcomes(db, changes, { workerId: context.workerId, startedAt: new Date(context.startedAtMs).toISOString(), now });
  return written.map((change) => ({ status: change.status, reason: change.reason }));
}

/**
 * The retry policy: final outcomes stay; a requeue goes back after its wait without using an attempt; a
 * retry backs off, or ends `dead` past the attempt or age budget.
 */
export function decideRowState(
  outcome: DeliveryOutcome,
  attempt: number,
  createdAt: string,
  context: { nowMs: number; policy: RetryPolicy },
): { status: NotificationStatus; attemptOutcome: AttemptOutcome; nextAttemptAt: string } {
  const now = new Date(context.nowMs).toISOString();
  switch (outcome.kind) {
    case 'sent':
    case 'skipped':
    case 'withdrawn':
    case 'failed':
    case 'unconfirmed':
      return { status: outcome.kind, attemptOutcome: outcome.kind, nextAttemptAt: now };
    case 'requeue':
      return { status: 'pending', attemptOutcome: 'requeued', nextAttemptAt: new Date(context.nowMs + outcome.waitMs).toISOString() };
    case 'retry': {
      const { policy } = context;
      const tooOld = context.nowMs - Date.parse(createdAt) >= policy.maxAgeMs;
      if (attempt >= policy.maxAttempts || tooOld) return { status: 'dead', attemptOutcome: 'dead', nextAttemptAt: now };
      const backoffAt = context.nowMs + retryDelayMs(attempt, policy.backoffBaseMs, policy.backoffMaxMs, policy.random);
      return { status: 'pending', attemptOutcome: 'retry', nextAttemptAt: new Date(Math.max(backoffAt, outcome.notBeforeMs ?? 0)).toISOString() };
    }
  }
}
