import type { WxContext } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import { parseNotification, type Problem } from '../events.js';
import { errorResult, type ErrorResult, type SendResult } from '../results.js';
import { isTrustedServerCall } from './access.js';
import { mapWithLimit } from './map-with-limit.js';
import { sendAssignNotification } from './send-assign-notification.js';

function refused(): ErrorResult {
  return errorResult('FORBIDDEN', 'only the CRM server may send notifications (HTTP API call or signed event)');
}

export async function handleSendOne(
  deps: FunctionDeps,
  context: WxContext,
  event: Record<string, unknown>,
): Promise<{ ok: true; result: SendResult } | ErrorResult> {
  if (!isTrustedServerCall(deps, context, event)) return refused();
  const { notification, problems } = parseNotification(event, 'event');
  if (!notification) return errorResult('INVALID_EVENT', 'the notification is invalid', problems);
  return { ok: true, result: await sendAssignNotification(deps, notification) };
}

/**
 * Several notifications in one invocation, sent concurrently (bounded). WeChat's HTTP API waits 5 s and
 * the function itself is stopped after its time limit (3 s by default), so sends not started within the
 * time budget are returned as retryable instead of being cut off midway.
 */
export async function handleSendBatch(
  deps: FunctionDeps,
  context: WxContext,
  event: Record<string, unknown>,
  startedAtMs: number,
): Promise<{ ok: true; results: SendResult[] } | ErrorResult> {
  if (!isTrustedServerCall(deps, context, event)) return refused();
  const items = event.notifications;
  if (!Array.isArray(items) || items.length === 0) {
    return errorResult('INVALID_EVENT', 'notifications must be a non-empty array', [{ path: 'event.notifications', message: 'must be a non-empty array' }]);
  }
  if (items.length > deps.config.batchMax) {
    return errorResult('INVALID_EVENT', `at most ${deps.config.batchMax} notifications per invocation (SEND_BATCH_MAX)`, {
      limit: deps.config.batchMax,
      received: items.length,
    });
  }
  const results = await mapWithLimit(items, deps.config.sendConcurrency, async (item, index): Promise<SendResult> => {
    const { notification, problems } = parseNotification(item, `event.notifications.${index}`);
    const notificationId = notificationIdOf(item) ?? `#${index}`;
    if (!notification) return invalid(notificationId, problems);
    if (deps.now() - startedAtMs > deps.config.timeBudgetMs) {
      return { notificationId, status: 'failed', reason: 'DEADLINE_EXCEEDED', message: 'not started within the time budget; retry', retryable: true };
    }
    try {
      return await sendAssignNotification(deps, notification);
    } catch (error) {
      deps.log.error('send failed', { notificationId, error: String(error) });
      return { notificationId, status: 'failed', reason: 'WECHAT_ERROR', message: 'cloud database or SDK error; retry', retryable: true };
    }
  });
  return { ok: true, results };
}

function invalid(notificationId: string, problems: Problem[]): SendResult {
  return {
    notificationId,
    status: 'failed',
    reason: 'INVALID_NOTIFICATION',
    message: problems.map((problem) => `${problem.path} ${problem.message}`).join('; '),
    retryable: false,
  };
}

function notificationIdOf(item: unknown): string | undefined {
  const id = (item as { notificationId?: unknown } | null)?.notificationId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
