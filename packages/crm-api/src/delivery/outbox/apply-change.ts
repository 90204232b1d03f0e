import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type RawBuilder, type Updateable } from 'kysely';
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
 * applied to that row. Changes from the same state writing the same columns share one statement, a column whose value
 * differs between them (each message's send time, recipient, delivery id) taking each one's by a CASE on the row id:
 * a batch of messages is recorded in one statement, not one per message. Returns the ids written, by change.
 */
export async function applyChanges(trx: Trx, items: readonly ChangeToApply[], context: ApplyContext): Promise<Array<{ item: ChangeToApply; written: string[] }>> {
  const groups = new Map<string, Planned[]>();
  for (const item of items) {
    if (item.rows.length === 0) continue;
    const planned = { item, values: valuesOf(item, context) };
    const key = shapeOf(planned);
    groups.set(key, [...(groups.get(key) ?? []), planned]);
  }
  const written = new Map<ChangeToApply, string[]>();
  const attempts: Array<Insertable<NotificationAttemptsTable>> = [];
  for (const group of groups.values()) {
    for (const part of chunkByRows(group, 500)) {
      const updated = await updateHeld(trx, part, context.now);
      const byId = new Map(updated.map((row) => [row.id, row.attempts]));
      for (const { item } of part) {
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
  }
  for (const part of chunk(attempts, 100)) await trx.insertInto('notification_attempts').values(part).execute();
  return items.map((item) => ({ item, written: written.get(item) ?? [] }));
}

type Value = string | number | null;
/** A change and the value it writes to each column it sets outright. */
interface Planned {
  item: ChangeToApply;
  values: Partial<Record<keyof NotificationsTable, Value>>;
}

function valuesOf({ change, rows }: ChangeToApply, context: ApplyContext): Planned['values'] {
  const leased = change.status === 'sending' && context.lease;
  return {
    status: change.status,
    updated_at: context.now,
    fate_unknown: change.fateUnknown ? 1 : 0,
    no_receipt_resent: change.resentForNoReceipt ? 1 : 0,
    lease_owner: leased ? leased.owner : null,
    lease_until: leased ? leased.until : null,
    ...(change.nextAttemptAt !== undefined ? { next_attempt_at: change.nextAttemptAt } : {}),
    ...(change.reason !== undefined ? { reason: change.reason } : {}),
    ...(change.lastError !== undefined ? { last_error: change.lastError } : {}),
    ...(change.sentAt !== undefined ? { sent_at: change.sentAt } : {}),
    ...(change.confirmedAt !== undefined ? { confirmed_at: change.confirmedAt } : {}),
    ...(change.recipient?.openid !== undefined ? { wechat_openid: change.recipient.openid } : {}),
    ...(change.recipient?.templateId !== undefined ? { template_id: change.recipient.templateId } : {}),
    ...(change.recipient ? { msg_id: change.recipient.msgId ?? null } : {}),
    ...(change.channel !== undefined ? { channel: change.channel, passed_over_reason: change.passedOver ?? null } : {}),
    ...(change.attempts === 'reset' ? { attempts: 0 } : {}),
    ...(change.tried === 'now' ? { tried_at: context.now } : change.tried === 'forgotten' ? { tried_at: null } : {}),
    // Rows that already go out under the change's id (or would first: their own) keep it; the query fills in their own.
    ...(rows.every((row) => (row.deliveryId ?? row.id) === change.deliveryId) ? {} : { delivery_id: change.deliveryId }),
  };
}

/** Changes with the same shape can share a statement: the same prior state, columns, and columns the query computes. */
function shapeOf({ item, values }: Planned): string {
  return JSON.stringify([item.from, Object.keys(values), item.change.attempts === 'count', item.change.tried === 'now-unless-set']);
}

function chunkByRows(group: readonly Planned[], maxRows: number): Planned[][] {
  const parts: Planned[][] = [];
  let rows = Infinity;
  for (const planned of group) {
    if (rows + planned.item.rows.length > maxRows) {
      parts.push([]);
      rows = 0;
    }
    parts[parts.length - 1]!.push(planned);
    rows += planned.item.rows.length;
  }
  return parts;
}

async function updateHeld(trx: Trx, part: readonly Planned[], now: string) {
  const [first] = part;
  if (!first) return [];
  const { change, from } = first.item;
  const set: Record<string, Value | RawBuilder<Value>> = {};
  for (const column of Object.keys(first.values) as Array<keyof NotificationsTable>) {
    const values = part.map((planned) => planned.values[column] ?? null);
    set[column] = values.every((value) => value === values[0]) ? (values[0] ?? null) : byRow(column, part);
  }
  let query = trx
    .updateTable('notifications')
    .set(set as Updateable<NotificationsTable>)
    .where('id', 'in', part.flatMap((planned) => planned.item.rows.map((row) => row.id)))
    .where('status', '=', from.status);
  if (change.attempts === 'count') query = query.set((eb) => ({ attempts: eb('attempts', '+', 1) }));
  if (!('delivery_id' in first.values)) query = query.set({ delivery_id: sql<string>`coalesce(delivery_id, id)` });
  if (change.tried === 'now-unless-set') query = query.set({ tried_at: sql<string>`coalesce(tried_at, ${now})` });
  if (from.confirmed === false) query = query.where('confirmed_at', 'is', null);
  if (from.heldBy !== undefined) query = query.where('lease_owner', '=', from.heldBy);
  if (from.leaseExpiredBy !== undefined) query = query.where('lease_until', '<', from.leaseExpiredBy);
  return query.returning(['id', 'attempts']).execute();
}

/** Each change's own value of a column, for its rows. */
function byRow(column: keyof NotificationsTable, part: readonly Planned[]): RawBuilder<Value> {
  const whens = part.map(({ item, values }) => sql`when id in (${sql.join(item.rows.map((row) => row.id))}) then ${values[column] ?? null}`);
  return sql<Value>`case ${sql.join(whens, sql` `)} else ${sql.ref(column)} end`;
}
