import type { AppContext } from '../context.js';
import { messagesOf, readMessagesOfRows, readRowIdsWithStatus } from '../delivery/outbox/read.js';
import { retryByOperator } from '../delivery/requeue.js';
import { requireRole, type Actor } from './actor.js';
import { DomainError } from './errors.js';
import { instantOf } from './notifications.js';

/** What a bulk retry may pick: what failed for good. Skipped and unconfirmed rows have their own ways back. */
export const BULK_RETRYABLE = ['failed', 'dead'] as const;
export type BulkRetryableStatus = (typeof BULK_RETRYABLE)[number];
/** Rows one request may send again: beyond it, narrow the filter (a typo in it should not resend a year). */
export const BULK_RETRY_MAX_ROWS = 5_000;

export interface BulkRetryFilter {
  statuses?: readonly BulkRetryableStatus[] | undefined;
  reason?: string | undefined;
  assigneeId?: string | undefined;
  /** An ISO instant, or a Beijing day (YYYY-MM-DD) from its start. */
  from?: string | undefined;
  /** An ISO instant (not included), or a Beijing day to its end. */
  to?: string | undefined;
  dryRun?: boolean | undefined;
}

export interface BulkRetryMessage {
  deliveryId: string;
  assigneeId: string;
  status: string;
  reason: string | null;
  notificationIds: string[];
}

export interface BulkRetryResult {
  dryRun: boolean;
  /** Messages that go out (or would): a digest is one, whole, even when only some of its rows matched. */
  messages: BulkRetryMessage[];
  notifications: number;
}

/**
 * After an operator fixed what failed them (a wrong template id, an undeployed function), every notification in
 * between is failed or dead: this sends them again by reason, salesperson and time range — or, with dryRun, says how
 * many and which messages would go out, changing nothing. Each message goes out whole (a digest with all its rows).
 */
export async function retryInBulk(ctx: AppContext, actor: Actor, filter: BulkRetryFilter): Promise<BulkRetryResult> {
  requireRole(actor, ['admin', 'manager'], 'retry notifications');
  const statuses = filter.statuses?.length ? filter.statuses : BULK_RETRYABLE;
  const rowFilter = { reason: filter.reason, assigneeId: filter.assigneeId, from: instantOf(filter.from, 'from'), to: instantOf(filter.to, 'to') };
  const ids = await readRowIdsWithStatus(ctx.db.kysely, rowFilter, statuses, BULK_RETRY_MAX_ROWS + 1);
  if (ids.length > BULK_RETRY_MAX_ROWS) {
    throw new DomainError({
      code: 'BATCH_TOO_LARGE',
      message: `More than ${BULK_RETRY_MAX_ROWS} notifications match: narrow the filter (reason, salesperson, from/to) and retry in parts`,
    });
  }
  const messages = messagesOf(await readMessagesOfRows(ctx.db.kysely, ids, statuses)).map((message) => ({
    deliveryId: message.deliveryId,
    assigneeId: message.assigneeId,
    status: message.status,
    reason: message.reason,
    notificationIds: message.rowsOf.map((row) => row.id),
  }));
  if (filter.dryRun) return { dryRun: true, messages, notifications: messages.reduce((count, message) => count + message.notificationIds.length, 0) };
  const requeued = new Set(await retryByOperator({ ...ctx, wake: ctx.wakeNotifier }, { ids }));
  // What went back to the queue: a row a worker or a receipt changed since the read above is not among them.
  const sent = messages.map((message) => ({ ...message, notificationIds: message.notificationIds.filter((id) => requeued.has(id)) })).filter((message) => message.notificationIds.length > 0);
  return { dryRun: false, messages: sent, notifications: requeued.size };
}
