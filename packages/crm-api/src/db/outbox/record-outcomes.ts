import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely, Updateable } from 'kysely';
import { prepared } from '../prepared.js';
import type { AttemptOutcome, Database, NotificationAttemptsTable, NotificationStatus, NotificationsTable } from '../schema.js';
import { chunk } from '../transaction.js';

/** One outbox row's new state after an attempt, as the delivery rules decided it. */
export interface RowStateChange {
  rowId: string;
  deliveryId: string;
  status: NotificationStatus;
  /** The row's attempt count after this attempt. */
  attempts: number;
  attemptOutcome: AttemptOutcome;
  nextAttemptAt: string;
  reason: string;
  lastError: string | null;
  sentAt: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** Whom it went (or may have gone) to, when the function said. */
  wechatOpenid?: string | undefined;
}

/**
 * Writes the outcomes of one invocation in one transaction: each row's new state and one attempt record
 * per row — only for rows this worker still holds, so a worker whose lease ran out cannot overwrite
 * whoever took over (RETURNING tells which rows were still ours). Rows with the same new state are
 * updated by one statement. Returns the changes that were written.
 */
export async function writeOutcomes(
  db: Kysely<Database>,
  changes: RowStateChange[],
  context: { workerId: string; startedAt: string; now: string },
): Promise<RowStateChange[]> {
  const groups = new Map<string, RowStateChange[]>();
  for (const change of changes) {
    const key = JSON.stringify([change.status, change.attempts, change.nextAttemptAt, change.reason, change.lastError, change.sentAt, change.wechatOpenid]);
    groups.set(key, [...(groups.get(key) ?? []), change]);
  }
  return db.transaction().execute(async (trx) => {
    const written: RowStateChange[] = [];
    for (const group of groups.values()) {
      const [first] = group;
      if (!first) continue;
      const { rows: updated } = await settleHeldRows(
        trx,
        group.map((change) => change.rowId),
        context.workerId,
        {
          status: first.status,
          attempts: first.attempts,
          next_attempt_at: first.nextAttemptAt,
          lease_owner: null,
          lease_until: null,
          reason: first.reason,
          last_error: first.lastError,
          sent_at: first.sentAt,
          updated_at: context.now,
          ...(first.wechatOpenid ? { wechat_openid: first.wechatOpenid, confirmed_at: null } : {}),
        },
      );
      const ours = new Set(updated.map((row) => row.id));
      written.push(...group.filter((change) => ours.has(change.rowId)));
    }
    const attempts = written.map((change) => ({
      id: randomUUID(),
      notification_id: change.rowId,
      attempt: change.attempts,
      delivery_id: change.deliveryId,
      started_at: context.startedAt,
      finished_at: context.now,
      outcome: change.attemptOutcome,
      reason: change.reason,
      error_code: change.errorCode,
      error_message: change.errorMessage,
    }));
    for (const part of chunk(attempts, 100)) await insertAttempts(trx, part);
    return written;
  });
}

/** The new state, on those of `ids` this worker still holds; returns which they were. */
const settleHeldRows = prepared((db, ids: string[], workerId: string, set: Updateable<NotificationsTable>) =>
  db.updateTable('notifications').set(set).where('id', 'in', ids).where('status', '=', 'sending').where('lease_owner', '=', workerId).returning('id'),
);

const insertAttempts = prepared((db, rows: Array<Insertable<NotificationAttemptsTable>>) => db.insertInto('notification_attempts').values(rows));

/** On shutdown: hand rows this worker holds but has not finished back to the queue, without counting an attempt. */
export async function releaseLeases(db: Kysely<Database>, workerId: string, nowMs: number): Promise<number> {
  const now = new Date(nowMs).toISOString();
  const result = await db
    .updateTable('notifications')
    .set({ status: 'pending', lease_owner: null, lease_until: null, next_attempt_at: now, updated_at: now })
    .where('status', '=', 'sending')
    .where('lease_owner', '=', workerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
