import { REASONS, deliveryEventSchema, functionError, problemsOf, type FunctionError, type SendResult } from '@leadnotify/contracts';
import type { WxContext } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import { isTrustedServerCall } from './access.js';
import { mapWithLimit } from './map-with-limit.js';
import { sendAssignNotification } from './send-assign-notification.js';
import { createTimeBudget } from './time-budget.js';

function refused(): FunctionError {
  return functionError('FORBIDDEN', 'only the CRM server may send notifications (HTTP API call or signed event)');
}

export async function handleSendOne(
  deps: FunctionDeps,
  context: WxContext,
  event: Record<string, unknown>,
  startedAtMs: number,
): Promise<{ ok: true; result: SendResult } | FunctionError> {
  if (!isTrustedServerCall(deps, context, event)) return refused();
  const parsed = deliveryEventSchema.safeParse(event);
  if (!parsed.success) return functionError('INVALID_EVENT', 'the delivery event is invalid', problemsOf(parsed.error, 'event'));
  return { ok: true, result: await sendAssignNotification(deps, parsed.data, createTimeBudget(deps, startedAtMs)) };
}

/**
 * Several deliveries in one invocation, sent concurrently (bounded). A send starts only if the time budget says it
 * can finish before the function is stopped (time-budget.ts); the rest answer NOT_ATTEMPTED at once.
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
  const budget = createTimeBudget(deps, startedAtMs);
  const results = await mapWithLimit(items, deps.config.sendConcurrency, async (item, index): Promise<SendResult> => {
    const parsed = deliveryEventSchema.safeParse(item);
    const deliveryId = deliveryIdOf(item) ?? `#${index}`;
    if (!parsed.success) {
      const problems = problemsOf(parsed.error, `event.deliveries.${index}`);
      return { deliveryId, reason: 'INVALID_NOTIFICATION', message: problems.map((p) => `${p.path} ${p.message}`).join('; ') };
    }
    if (!budget.canFinish()) {
      return { deliveryId, reason: 'NOT_ATTEMPTED', message: REASONS.NOT_ATTEMPTED.summary };
    }
    const ended = budget.begin();
    try {
      return await sendAssignNotification(deps, parsed.data, budget);
    } catch (error) {
      deps.log.error('send failed', { deliveryId, error: String(error) });
      return { deliveryId, reason: 'FUNCTION_STORE_ERROR', message: 'cloud database or SDK error; retry' };
    } finally {
      ended();
    }
  });
  return { ok: true, results };
}

function deliveryIdOf(item: unknown): string | undefined {
  const id = (item as { deliveryId?: unknown } | null)?.deliveryId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
