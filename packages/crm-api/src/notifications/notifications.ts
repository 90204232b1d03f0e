import type { Actor } from '../auth/actor.js';
import { canManageAssignments, requireRole } from '../auth/actor.js';
import type { AppContext } from '../context.js';
import { z } from 'zod';
import type { NotificationRow, NotificationStatus } from '../db/schema.js';
import { ApiError } from '../http/api-error.js';

export const notificationStatusSchema = z.enum(['pending', 'sending', 'sent', 'skipped', 'failed', 'dead']);

export const notificationViewSchema = z
  .object({
    id: z.string(),
    assigneeId: z.string(),
    actorId: z.string(),
    channel: z.enum(['web', 'miniprogram', 'batch', 'pool']),
    note: z.string().nullable(),
    status: notificationStatusSchema,
    attempts: z.number().int(),
    nextAttemptAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    reason: z.string().nullable().describe('the cloud function reason (SENT, NOT_BOUND, …) or the WeChat error code'),
    lastError: z.string().nullable(),
    sentAt: z.string().nullable(),
    deliveryId: z.string().nullable().describe('the notification id it was delivered under: itself, or the first row of a digest'),
    customers: z.array(z.object({ id: z.string(), name: z.string() })),
  })
  .meta({ id: 'Notification' });
export type NotificationView = z.infer<typeof notificationViewSchema>;

export const attemptViewSchema = z
  .object({
    attempt: z.number().int(),
    deliveryId: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    outcome: z.string(),
    reason: z.string().nullable(),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
  })
  .meta({ id: 'NotificationAttempt' });
export type AttemptView = z.infer<typeof attemptViewSchema>;

export const notificationDetailSchema = notificationViewSchema
  .extend({ attemptHistory: z.array(attemptViewSchema) })
  .meta({ id: 'NotificationDetail' });

async function withCustomers(ctx: AppContext, rows: NotificationRow[]): Promise<NotificationView[]> {
  if (rows.length === 0) return [];
  const links = await ctx.db.kysely
    .selectFrom('notification_customers')
    .select(['notification_id', 'customer_id', 'customer_name'])
    .where('notification_id', 'in', rows.map((row) => row.id))
    .orderBy('notification_id')
    .orderBy('position')
    .execute();
  const byNotification = new Map<string, Array<{ id: string; name: string }>>();
  for (const link of links) {
    const list = byNotification.get(link.notification_id) ?? [];
    list.push({ id: link.customer_id, name: link.customer_name });
    byNotification.set(link.notification_id, list);
  }
  return rows.map((row) => ({
    id: row.id,
    assigneeId: row.assignee_id,
    actorId: row.actor_id,
    channel: row.channel,
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
    customers: byNotification.get(row.id) ?? [],
  }));
}

/** One notification with every delivery attempt, oldest first. */
export async function getNotification(ctx: AppContext, actor: Actor, id: string): Promise<NotificationView & { attemptHistory: AttemptView[] }> {
  const row = await ctx.db.kysely.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || (!canManageAssignments(actor) && row.assignee_id !== actor.id)) {
    throw new ApiError({ code: 'NOTIFICATION_NOT_FOUND', message: `No notification with id ${id}` });
  }
  const [view] = await withCustomers(ctx, [row]);
  const attempts = await ctx.db.kysely
    .selectFrom('notification_attempts')
    .selectAll()
    .where('notification_id', '=', id)
    .orderBy('attempt')
    .orderBy('finished_at')
    .execute();
  return {
    ...(view as NotificationView),
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
 * Requeues a failed or dead notification with a fresh attempt budget (after the cause was fixed).
 * It keeps its delivery id, so a message that did go out is not sent twice.
 */
export async function retryNotification(ctx: AppContext, actor: Actor, id: string) {
  requireRole(actor, ['admin', 'manager'], 'retry notifications');
  const now = new Date(ctx.clock.now()).toISOString();
  const result = await ctx.db.kysely
    .updateTable('notifications')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', ['failed', 'dead'])
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) {
    const exists = await ctx.db.kysely.selectFrom('notifications').select('status').where('id', '=', id).executeTakeFirst();
    if (!exists) throw new ApiError({ code: 'NOTIFICATION_NOT_FOUND', message: `No notification with id ${id}` });
    throw new ApiError({
      code: 'NOTIFICATION_NOT_RETRYABLE',
      message: `Only failed or dead notifications can be retried; this one is ${exists.status}`,
      details: { status: exists.status },
    });
  }
  ctx.signal.notificationsQueued([id]);
  return getNotification(ctx, actor, id);
}

export interface NotificationFilter {
  customerId?: string | undefined;
  assigneeId?: string | undefined;
  status?: NotificationStatus | undefined;
  limit: number;
}

/** Newest first. Sales users see only notifications addressed to them. */
export async function listNotifications(ctx: AppContext, actor: Actor, filter: NotificationFilter): Promise<NotificationView[]> {
  if (!canManageAssignments(actor) && filter.assigneeId !== undefined && filter.assigneeId !== actor.id) {
    throw new ApiError({ code: 'FORBIDDEN', message: 'Sales users may list only their own notifications' });
  }
  let query = ctx.db.kysely.selectFrom('notifications').selectAll('notifications');
  const assigneeId = canManageAssignments(actor) ? filter.assigneeId : actor.id;
  if (assigneeId !== undefined) query = query.where('assignee_id', '=', assigneeId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.customerId) {
    const customerId = filter.customerId;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('notification_customers').select('notification_id').where('customer_id', '=', customerId),
    );
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return withCustomers(ctx, rows);
}
