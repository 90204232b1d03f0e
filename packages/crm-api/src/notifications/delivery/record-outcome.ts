import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AttemptOutcome, Database, NotificationStatus } from '../../db/schema.js';
import { chunk } from '../../db/transaction.js';
import { retryDelayMs } from './backoff.js';
import type { ClaimedRow, Delivery, DeliveryOutcome } from './types.js';

export interface RetryPolicy {
  maxAttempts: number;
  maxAgeMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  random: () => number;
}

interface RowUpdate {
  row: ClaimedRow;
  deliveryId: string;
  outcome: DeliveryOutcome;
  status: NotificationStatus;
  attemptOutcome: AttemptOutcome;
  attempt: number;
  nextAttemptAt: string;
}

/**
 * Writes the outcomes of one invocation in one transaction: each row's new state and one attempt record
 * per row — only for rows this worker still holds, so a worker whose lease ran out cannot overwrite
 * whoever took over (RETURNING tells which rows were still ours). Rows with the same new state are
 * updated by one statement.
 */
export async function recordOutcomes(
  db: Kysely<Database>,
  results: Array<{ delivery: Delivery; outcome: DeliveryOutcome }>,
  context: { workerId: string; startedAtMs: number; nowMs: number; policy: RetryPolicy },
): Promise<Array<{ status: NotificationStatus; reason: string }>> {
  const now = new Date(context.nowMs).toISOString();
  const updates: RowUpdate[] = results.flatMap(({ delivery, outcome }) =>
    delivery.rows.map((row) => {
      const attempt = row.attempts + 1;
      return { row, deliveryId: delivery.deliveryId, outcome, attempt, ...decide(outcome, attempt, row.createdAt, context) };
    }),
  );
  const groups = new Map<string, RowUpdate[]>();
  for (const update of updates) {
    const key = JSON.stringify([update.status, update.attempt, update.nextAttemptAt, update.outcome]);
    groups.set(key, [...(groups.get(key) ?? []), update]);
  }

  return db.transaction().execute(async (trx) => {
    const recorded: RowUpdate[] = [];
    for (const group of groups.values()) {
      const [first] = group;
      if (!first) continue;
      const { outcome } = first;
      const ids = group.map((update) => update.row.id);
      const changes = {
        status: first.status,
        attempts: first.attempt,
        next_attempt_at: first.nextAttemptAt,
        lease_owner: null,
        lease_until: null,
        reason: outcome.reason,
        last_error: outcome.kind === 'sent' ? null : `${outcome.reason}: ${outcome.message ?? ''}`.trim(),
        sent_at: outcome.kind === 'sent' ? outcome.sentAt : null,
        updated_at: now,
      };
      const updated = await trx
        .updateTable('notifications')
        .set(changes)
        .where('id', 'in', ids)
        .where('status', '=', 'sending')
        .where('lease_owner', '=', context.workerId)
        .returning('id')
        .execute();
      const ours = new Set(updated.map((row) => row.id));
      recorded.push(...group.filter((update) => ours.has(update.row.id)));
    }
    const attempts = recorded.map((update) => ({
      id: randomUUID(),
      notification_id: update.row.id,
      attempt: update.attempt,
      delivery_id: update.deliveryId,
      started_at: new Date(context.startedAtMs).toISOString(),
      finished_at: now,
      outcome: update.attemptOutcome,
      reason: update.outcome.reason,
      error_code: update.outcome.kind === 'sent' || update.outcome.kind === 'skipped' ? null : (update.outcome.errorCode ?? null),
      error_message: update.outcome.kind === 'sent' ? null : (update.outcome.message ?? null),
    }));
    for (const part of chunk(attempts, 100)) await trx.insertInto('notification_attempts').values(part).execute();
    return recorded.map((update) => ({ status: update.status, reason: update.outcome.reason }));
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
