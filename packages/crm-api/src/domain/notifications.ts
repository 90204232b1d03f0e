import { DAY_MS, startOfBeijingDay, type AssignedVia } from '@leadnotify/contracts';
import type { AppContext } from '../context.js';
import { findUserRow } from '../db/users-store.js';
import type { NotificationRow } from '../db/schema.js';
import { countNotificationRows, customersByNotification, findNotificationRow, listAttemptRows, listNotificationRows, type OutboxCustomer } from '../delivery/outbox/read.js';
import { catchUp } from '../delivery/catch-up.js';
import { retryByOperator } from '../delivery/requeue.js';
import { RETRYABLE_BY_OPERATOR, type NotificationStatus } from '../delivery/states/statuses.js';
import { canManageAssignments, requireRole, type Actor } from './actor.js';
import { DomainError } from './errors.js';
import { decodePageCursor, encodePageCursor } from './page-cursor.js';
import { reasonInWords } from './console-texts.js';

export { NOTIFICATION_STATUSES } from '../delivery/states/statuses.js';

export interface NotificationView {
  id: string;
  assigneeId: string;
  actorId: string;
  via: AssignedVia;
  note: string | null;
  status: NotificationStatus;
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  updatedAt: string;
  /** The reason of the last attempt (SENT, NOT_BOUND, a WeChat error code, …): the contracts' reason table. */
  reason: string | null;
  lastError: string | null;
  sentAt: string | null;
  /** The delivery it went out under: itself, or the first row of a digest. */
  deliveryId: string | null;
  /** When WeChat's delivery receipt (message push) confirmed it reached the salesperson. */
  confirmedAt: string | null;
  /** The channel it went out (or was last tried) on: wechat-subscribe or wecom. */
  channel: string | null;
  /** As they were at assignment time; the phone masked. */
  customers: OutboxCustomer[];
}

export interface AttemptView {
  attempt: number;
  deliveryId: string;
  startedAt: string;
  finishedAt: string;
  outcome: string;
  reason: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export type NotificationDetail = NotificationView & {
  attemptHistory: AttemptView[];
  /** The reason in words for the console (Chinese), and what to do about it (the reason table's fix); null without one. */
  reasonText: string | null;
  reasonFix: string | null;
};

async function withCustomers(ctx: AppContext, rows: NotificationRow[]): Promise<NotificationView[]> {
  const customers = await customersByNotification(
    ctx.db.kysely,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({
    id: row.id,
    assigneeId: row.assignee_id,
    actorId: row.actor_id,
    via: row.via,
    note: row.note,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    reason: row.reason,
    lastError: row.last_error,
    sentAt: row.sent_at,
    deliveryId: row.delivery_id,
    confirmedAt: row.confirmed_at,
    channel: row.channel,
    customers: customers.get(row.id) ?? [],
  }));
}

/** One notification with every delivery attempt, oldest first. */
export async function getNotification(ctx: AppContext, actor: Actor, id: string): Promise<NotificationDetail> {
  const row = await findNotificationRow(ctx.db.kysely, id);
  if (!row || (!canManageAssignments(actor) && row.assignee_id !== actor.id)) {
    throw new DomainError({ code: 'NOTIFICATION_NOT_FOUND', message: `No notification with id ${id}` });
  }
  const [view] = await withCustomers(ctx, [row]);
  const attempts = await listAttemptRows(ctx.db.kysely, id);
  const words = row.reason ? reasonInWords(row.reason) : undefined;
  return {
    ...(view as NotificationView),
    reasonText: words?.text ?? null,
    reasonFix: words?.fix ?? null,
    attemptHistory: attempts.map((attempt) => ({
      attempt: attempt.attempt,
      deliveryId: attempt.delivery_id,
      startedAt: attempt.started_at,
      finishedAt: attempt.finished_at,
      outcome: attempt.outcome,
      reason: attempt.reason,
      errorCode: attempt.error_code,
      errorMessage: attempt.error_message,
    })),
  };
}

/**
 * Requeues a finished notification, with the rest of the message it went out in, with a fresh attempt budget:
 * failed or dead (after the cause was fixed), skipped (after the salesperson bound or subscribed), or unconfirmed
 * (the salesperson says it never arrived: it is then sent even though WeChat may have delivered it). It keeps its
 * delivery id, so the function still recognises a delivery that did go out — unless it is to be a new message
 * (unconfirmed, or refuted by WeChat's receipt), which goes out under a new one.
 */
export async function retryNotification(ctx: AppContext, actor: Actor, id: string): Promise<NotificationDetail> {
  requireRole(actor, ['admin', 'manager'], 'retry notifications');
  // The answer shows the notification as requeued: the notifier is woken once it is read.
  const requeued = await retryByOperator({ ...ctx, wake: () => {} }, { ids: [id] });
  if (requeued.length === 0) {
    const exists = await findNotificationRow(ctx.db.kysely, id);
    if (!exists) throw new DomainError({ code: 'NOTIFICATION_NOT_FOUND', message: `No notification with id ${id}` });
    throw new DomainError({
      code: 'NOTIFICATION_NOT_RETRYABLE',
      message: `Only ${RETRYABLE_BY_OPERATOR.join(', ')} notifications can be retried; this one is ${exists.status}`,
      details: { status: exists.status },
    });
  }
  const retried = await getNotification(ctx, actor, id);
  ctx.wakeNotifier();
  return retried;
}

export interface NotificationFilter {
  customerId?: string | undefined;
  assigneeId?: string | undefined;
  status?: NotificationStatus | undefined;
  reason?: string | undefined;
  deliveryId?: string | undefined;
  /** An ISO instant, or a date: from the start of that Beijing day. */
  from?: string | undefined;
  /** An ISO instant (not included), or a date: to the end of that Beijing day. */
  to?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** A date alone (YYYY-MM-DD) is a Beijing day, the product's day: `from` its start, `to` its end. */
export function instantOf(text: string | undefined, end: 'from' | 'to'): string | undefined {
  if (text === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return new Date(startOfBeijingDay(Date.parse(`${text}T00:00:00Z`)) + (end === 'to' ? DAY_MS : 0)).toISOString();
  return new Date(text).toISOString();
}

/** Newest first, a page at a time, with how many match in all. Sales users see only notifications addressed to them. */
export async function listNotifications(ctx: AppContext, actor: Actor, filter: NotificationFilter): Promise<{ items: NotificationView[]; nextCursor: string | null; total: number }> {
  const manager = canManageAssignments(actor);
  if (!manager && filter.assigneeId !== undefined && filter.assigneeId !== actor.id) {
    throw new DomainError({ code: 'FORBIDDEN', message: 'Sales users may list only their own notifications' });
  }
  const rowFilter = {
    customerId: filter.customerId,
    assigneeId: manager ? filter.assigneeId : actor.id,
    status: filter.status,
    reason: filter.reason,
    deliveryId: filter.deliveryId,
    from: instantOf(filter.from, 'from'),
    to: instantOf(filter.to, 'to'),
  };
  const after = filter.cursor ? decodePageCursor(filter.cursor) : undefined;
  const [rows, total] = await Promise.all([
    listNotificationRows(ctx.db.kysely, { ...rowFilter, after, limit: filter.limit + 1 }),
    countNotificationRows(ctx.db.kysely, rowFilter),
  ]);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    items: await withCustomers(ctx, page),
    nextCursor: rows.length > filter.limit && last ? encodePageCursor(last.created_at, last.id) : null,
    total,
  };
}

/** Sends every skipped notification of one salesperson again (after they bound WeChat or subscribed). */
export async function requeueSkippedOf(ctx: AppContext, actor: Actor, userId: string): Promise<{ requeuedIds: string[] }> {
  requireRole(actor, ['admin', 'manager'], 'requeue notifications');
  if (!(await findUserRow(ctx.db.kysely, userId))) throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${userId}` });
  return { requeuedIds: await retryByOperator({ ...ctx, wake: ctx.wakeNotifier }, { skippedOf: userId }) };
}

/** Results of wx.requestSubscribeMessage that accept (newer clients answer acceptWithAudio / acceptWithAlert). */
const ACCEPTED_RESULTS = new Set(['accept', 'acceptWithAudio', 'acceptWithAlert']);

/**
 * The mini program reports what WeChat answered the salesperson's subscribe request (a dialog, or a silent one for
 * templates they kept "总是保持以上选择"). Only a hint — the client can be wrong or forged, and it counts nothing — but
 * WeChat may not push a silent acceptance at all, and then this is the only word of it: an accept catches the
 * salesperson up as WeChat's push would (what was skipped for them goes out as one digest), and the cloud function
 * asks WeChat, which decides. A report with no accept changes nothing.
 */
export async function reportSubscriptionAnswer(ctx: AppContext, actor: Actor, results: Readonly<Record<string, string>>): Promise<{ caughtUp: number }> {
  if (!Object.values(results).some((result) => ACCEPTED_RESULTS.has(result))) return { caughtUp: 0 };
  return { caughtUp: await catchUp({ ...ctx, wake: ctx.wakeNotifier }, actor.id) };
}
