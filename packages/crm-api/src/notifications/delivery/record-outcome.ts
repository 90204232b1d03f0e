import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AttemptOutcome, Database, NotificationStatus } from '../../db/schema.js';
import { retryDelayMs } from './backoff.js';
import type { Delivery, DeliveryOutcome } from './types.js';

export interface RetryPolicy {
  maxAttempts: number;
  maxAgeMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  random: () => number;
}

/**
 * Writes one delivery's outcome to each of its rows and one attempt record per row — only for rows this
 * worker still holds, so a worker whose lease ran out cannot overwrite whoever took over.
 */
export async function recordOutcome(
  db: Kysely<Database>,
  delivery: Delivery,
  outcome: DeliveryOutcome,
  context: { workerId: string; startedAtMs: number; nowMs: number; policy: RetryPolicy },
): Promise<void> {
  const now = new Date(context.nowMs).toISOString();
  await db.transaction().execute(async (trx) => {
    for (const row of delivery.rows) {
      const attempt = row.attempts + 1;
      const { status, attemptOutcome, nextAttemptAt } = decide(outcome, attempt, row.createdAt, context);
      const errorText = outcome.kind === 'sent' ? null : `${outcome.reason}: ${'message' in outcome ? (outcome.message ?? '') : ''}`.trim();
      const result = await trx
        .updateTable('notifications')
        .set({
          status,
          attempts: attempt,
          next_attempt_at: nextAttemptAt,
          lease_owner: null,
          lease_until: null,
          reason: outcome.reason,
          last_error: errorText,
          sent_at: outcome.kind === 'sent' ? outcome.sentAt : null,
          // A retried row is delivered under the same id, so the function's idempotency recognises it.
          delivery_id: delivery.deliveryId,
          updated_at: now,
        })
        .where('id', '=', row.id)
        .where('status', '=', 'sending')
        .where('lease_owner', '=', context.workerId)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) continue;
      await trx
        .insertInto('notification_attempts')
        .values({
          id: randomUUID(),
          notification_id: row.id,
          attempt,
          delivery_id: delivery.deliveryId,
          started_at: new Date(context.startedAtMs).toISOString(),
          finished_at: now,
          outcome: attemptOutcome,
          reason: outcome.reason,
          error_code: outcome.kind === 'sent' || outcome.kind === 'skipped' ? null : (outcome.errorCode ?? null),
          error_message: outcome.kind === 'sent' ? null : (outcome.message ?? null),
        })
        .execute();
    }
  });
}

function decide(
  outcome: DeliveryOutcome,
  attempt: number,
  createdAt: string,
  context: { nowMs: number; policy: RetryPolicy },
): { status: NotificationStatus; attemptOutcome: AttemptOutcome; nextAttemptAt: string } {
  const now = new Date(context.nowMs).toISOString();
  if (outcome.kind !== 'retry') return { status: outcome.kind, attemptOutcome: outcome.kind, nextAttemptAt: now };
  const { policy } = context;
  const tooOld = context.nowMs - Date.parse(createdAt) >= policy.maxAgeMs;
  if (attempt >= policy.maxAttempts || tooOld) return { status: 'dead', attemptOutcome: 'dead', nextAttemptAt: now };
  const backoffAt = context.nowMs + retryDelayMs(attempt, policy.backoffBaseMs, policy.backoffMaxMs, policy.random);
  return { status: 'pending', attemptOutcome: 'retry', nextAttemptAt: new Date(Math.max(backoffAt, outcome.notBeforeMs ?? 0)).toISOString() };
}

/** On shutdown: hand rows this worker holds but has not finished back to the queue, without counting an attempt. */
export async function releaseLeases(db: Kysely<Database>, workerId: string, nowMs: number): Promise<number> {
  const result = await db
    .updateTable('notifications')
    .set({ status: 'pending', lease_owner: null, lease_until: null, next_attempt_at: new Date(nowMs).toISOString(), updated_at: new Date(nowMs).toISOString() })
    .where('status', '=', 'sending')
    .where('lease_owner', '=', workerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
