import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Updateable } from 'kysely';
import type { NotificationAttemptsTable, NotificationRow, NotificationsTable } from '../../db/schema.js';
import { chunk, type Trx } from '../../db/transaction.js';
import type { NotificationStatus } from '../states/statuses.js';
import type { Change } from '../states/transition.js';

/** A change `transition` decided for some rows of one message, and the state it was decided on. */
export interface ChangeToApply {
  /** The rows, with the delivery id column as read. */
  rows: ReadonlyArray<{ id: string; deliveryId: string | null }>;
  /** The message's delivery id when the change was decided: what an attempt it ends was made under. */
  deliveryId: string;
  from: {
    status: NotificationStatus;
    /** Whether a receipt had confirmed it. */
    confirmed?: boolean;
    /** The worker that must still hold it (a change from `sending` by the worker sending it). */
    heldBy?: string;
    /** A claim of rows a dead worker left: their lease ran out before this. */
    leaseExpiredBy?: string;
  };
  change: Change;
}

export interface ApplyContext {
  now: string;
  /** The lease a change to `sending` takes. */
  lease?: { owner: string; until: string };
  /** When the attempt a change ends began. */
  attemptStartedAt?: string;
}

/** A change for these rows, as read, decided on the message in the state `from`. */
export function changeFor(
  rows: ReadonlyArray<Pick<NotificationRow, 'id' | 'delivery_id'>>,
  deliveryId: string,
  from: ChangeToApply['from'],
  change: Change,
): ChangeToApply {
  return { rows: rows.map((row) => ({ id: row.id, deliveryId: row.delivery_id })), deliveryId, from, change };
}

/**
 * Writes changes, each only to rows still in the state it was decided on (and, from `sending`, still held by the
 * worker deciding): whoever changed a row meanwhile — a receipt, another worker, an operator — wins, and this change is not
 * applied to that row. Rows with the same change are written by one statement. Returns the ids written, by change.
 */
export async function applyChanges(trx: Trx, items: readonly ChangeToApply[], context: ApplyContext): Promise<Array<{ item: ChangeToApply; written: string[] }>> {
  const groups = new Map<string, ChangeToApply[]>();
  for (const item of items) {
    if (item.rows.length === 0) continue;
    const key = groupKey(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const written = new Map<ChangeToApply, string[]>();
  const attempts: Array<Insertable<NotificationAttemptsTable>> = [];
  for (const group of groups.values()) {
    const [first] = group;
    if (!first) continue;
    const rowIds = group.flatMap((item) => item.rows.map((row) => row.id));
    const updated = await updateHeld(trx, rowIds, first, keepsItsDeliveryId(first) ? null : first.change.deliveryId, context);
    const byId = new Map(updated.map((row) => [row.id, row.attempts]));
    for (const item of group) {
      const ids = item.rows.map((row) => row.id).filter((id) => byId.has(id));
      written.set(item, ids);
      const { attempt } = item.change;
      if (!attempt) continue;
      for (const id of ids) {
        attempts.push({
          id: randomUUID(),
          notification_id: id,
          attempt: byId.get(id) ?? 0,
          delivery_id: item.deliveryId,
          started_at: context.attemptStartedAt ?? context.now,
          finished_at: context.now,
          outcome: attempt.outcome,
          reason: attempt.reason,
          error_code: attempt.errorCode,
          error_message: attempt.errorMessage,
        });
      }
    }
  }
  for (const part of chunk(attempts, 100)) await trx.insertInto('notification_attempts').values(part).execute();
  return items.map((item) => ({ item, written: written.get(item) ?? [] }));
}

/** Whether every row already goes out under the change's delivery id (or would first: its own id). */
function keepsItsDeliveryId(item: ChangeToApply): boolean {
  return item.rows.every((row) => (row.deliveryId ?? row.id) === item.change.deliveryId);
}

/** Items whose rows keep their delivery ids and whose changes are alike share one statement. */
function groupKey(item: ChangeToApply): string {
  const { deliveryId, ...rest } = item.change;
  return JSON.stringify([item.from, rest, item.deliveryId === deliveryId && keepsItsDeliveryId(item) ? 'own id' : deliveryId, item.change.attempt ? item.deliveryId : '']);
}

async function updateHeld(trx: Trx, rowIds: string[], item: ChangeToApply, newDeliveryId: string | null, context: ApplyContext) {
  const { change, from } = item;
  const set: Updateable<NotificationsTable> = {
    status: change.status,
    updated_at: context.now,
    fate_unknown: change.fateUnknown ? 1 : 0,
    no_receipt_resent: change.resentForNoReceipt ? 1 : 0,
    ...(change.status === 'sending' && context.lease ? { lease_owner: context.lease.owner, lease_until: context.lease.until } : { lease_owner: null, lease_until: null }),
    ...(change.nextAttemptAt !== undefined ? { next_attempt_at: change.nextAttemptAt } : {}),
    ...(change.reason !== undefined ? { reason: change.reason } : {}),
    ...(change.lastError !== undefined ? { last_error: change.lastError } : {}),
    ...(change.sentAt !== undefined ? { sent_at: change.sentAt } : {}),
    ...(change.confirmedAt !== undefined ? { confirmed_at: change.confirmedAt } : {}),
    ...(change.recipient?.openid !== undefined ? { wechat_openid: change.recipient.openid } : {}),
    ...(change.recipient?.templateId !== undefined ? { template_id: change.recipient.templateId } : {}),
    ...(change.recipient ? { msg_id: change.recipient.msgId ?? null } : {}),
    ...(change.attempts === 'reset' ? { attempts: 0 } : {}),
    ...(change.tried === 'now' ? { tried_at: context.now } : change.tried === 'forgotten' ? { tried_at: null } : {}),
    ...(newDeliveryId !== null ? { delivery_id: newDeliveryId } : {}),
  };
  const updated: Array<{ id: string; attempts: number }> = [];
  for (const ids of chunk(rowIds, 500)) {
    let query = trx
      .updateTable('notifications')
      .set(set)
      .where('id', 'in', ids)
      .where('status', '=', from.status);
    if (change.attempts === 'count') query = query.set((eb) => ({ attempts: eb('attempts', '+', 1) }));
    if (newDeliveryId === null) query = query.set({ delivery_id: sql<string>`coalesce(delivery_id, id)` });
    if (change.tried === 'now-unless-set') query = query.set({ tried_at: sql<string>`coalesce(tried_at, ${context.now})` });
    if (from.confirmed === false) query = query.where('confirmed_at', 'is', null);
    if (from.heldBy !== undefined) query = query.where('lease_owner', '=', from.heldBy);
    if (from.leaseExpiredBy !== undefined) query = query.where('lease_until', '<', from.leaseExpiredBy);
    updated.push(...(await query.returning(['id', 'attempts']).execute()));
  }
  return updated;
}
