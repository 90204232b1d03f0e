import { deliveryEventSchema, functionError, problemsOf, type FunctionError, type SendResult } from '@leadnotify/contracts';
import type { WxContext } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import { isTrustedServerCall } from './access.js';
import { mapWithLimit } from './map-with-limit.js';
import { sendAssignNotification } from './send-assign-notification.js';

function refused(): FunctionError {
  return functionError('FORBIDDEN', 'only the CRM server may send notifications (HTTP API call or signed event)');
}

export async function handleSendOne(
  deps: FunctionDeps,
  context: WxContext,
  event: Record<string, unknown>,
): Promise<{ ok: true; result: SendResult } | FunctionError> {
  if (!isTrustedServerCall(deps, context, event)) return refused();
  const parsed = deliveryEventSchema.safeParse(event);
  if (!parsed.success) return functionError('INVALID_EVENT', 'the delivery event is invalid', problemsOf(parsed.error, 'event'));
  return { ok: true, result: await sendAssignNotification(deps, parsed.data) };
}

/**
 * Several deliveries in one invocation, sent concurrently (bounded). WeChat's HTTP API waits 5 s and
 * the function itself is stopped after its time limit (3 s by default), so sends not started within the
 * time budget are returned as retryable instead of being cut off midway.
 */
export async function handleSendBatch(
  deps: FunctionDeps,
  context: WxContext,
  event: Record<string, unknown>,
  startedAtMs: number,
): Promise<{ ok: true; results: SendResult[] } | FunctionError> {
  if (!isTrustedServerCall(deps, context, event)) return refused();
  const items = event.deliveries;
  if (!Array.isArray(items) || items.length === 0) {
    return functionError('INVALID_EVENT', 'deliveries must be a non-empty array', [{ path: 'event.deliveries', message: 'must be a non-empty array' }]);
  }
  if (items.length > deps.config.batchMax) {
    return functionError('INVALID_EVENT', `at most ${deps.config.batchMax} deliveries per invocation (SEND_BATCH_MAX)`, {
      limit: deps.config.batchMax,
      received: items.length,
    });
  }
  const results = await mapWithLimit(items, deps.config.sendConcurrency, async (item, index): Promise<SendResult> => {
    const parsed = deliveryEventSchema.safeParse(item);
    const deliveryId = deliveryIdOf(item) ?? `#${index}`;
    if (!parsed.success) {
      const problems = problemsOf(parsed.error, `event.deliveries.${index}`);
      return { deliveryId, status: 'failed', reason: 'INVALID_NOTIFICATION', message: problems.map((p) => `${p.path} ${p.message}`).join('; ') };
    }
    if (deps.now() - startedAtMs > deps.config.timeBudgetMs) {
      return { deliveryId, status: 'failed', reason: 'DEADLINE_EXCEEDED', message: 'not started within the time budget; retry' };
    }
    try {
      return await sendAssignNotification(deps, parsed.data);
    } catch (error) {
      deps.log.error('send failed', { deliveryId, error: String(error) });
      return { deliveryId, status: 'failed', reason: 'WECHAT_ERROR', message: 'cloud database or SDK error; retry' };
    }
  });
  return { ok: true, results };
}

function deliveryIdOf(item: unknown): string | undefined {
  const id = (item as { deliveryId?: unknown } | null)?.deliveryId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
