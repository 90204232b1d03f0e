import { isWechatError, type WechatClient } from '@leadnotify/wechat-client';
import { startOfShanghaiDay } from '../../assignments/pool-rules.js';
import type { DeliveryOutcome, NotificationEvent } from './types.js';

interface FunctionSendResult {
  notificationId?: unknown;
  status?: unknown;
  reason?: unknown;
  errCode?: unknown;
  message?: unknown;
  retryable?: unknown;
  sentAt?: unknown;
}

/**
 * Sends a chunk of deliveries in one invocation (the batch type when there are several) and turns the
 * answer — or the failure to get one — into one outcome per delivery.
 */
export async function invokeSend(
  wechat: WechatClient,
  functionName: string,
  events: NotificationEvent[],
  nowMs: number,
): Promise<Map<string, DeliveryOutcome>> {
  const outcomes = new Map<string, DeliveryOutcome>();
  const all = (outcome: DeliveryOutcome) => {
    for (const event of events) outcomes.set(event.notificationId, outcome);
    return outcomes;
  };
  const [only] = events;
  const payload =
    events.length === 1 && only
      ? { type: 'sendCustomerAssignNotification', ...only }
      : { type: 'sendBatchCustomerAssignNotification', notifications: events };

  let response: unknown;
  try {
    response = await wechat.invokeCloudFunction(functionName, payload);
  } catch (error) {
    if (!isWechatError(error)) {
      return all({ kind: 'retry', reason: 'UNEXPECTED_ERROR', message: error instanceof Error ? error.message : String(error) });
    }
    const base = { reason: error.code, errorCode: error.errcode === undefined ? error.code : String(error.errcode), message: error.message };
    if (error.code === 'DAILY_QUOTA_EXCEEDED') {
      // Retrying today cannot work: wait for the next day (WeChat's quotas reset at midnight, China time).
      return all({ kind: 'retry', ...base, notBeforeMs: startOfShanghaiDay(nowMs) + 86_400_000 });
    }
    return all(error.retryable ? { kind: 'retry', ...base } : { kind: 'failed', ...base });
  }

  const body = (response ?? {}) as { ok?: unknown; result?: unknown; results?: unknown; error?: { code?: unknown; message?: unknown } };
  if (body.ok === false) {
    const code = String(body.error?.code ?? 'FUNCTION_ERROR');
    const message = `cloud function refused the call: ${String(body.error?.message ?? code)}`;
    return all(code === 'INTERNAL_ERROR' ? { kind: 'retry', reason: code, message } : { kind: 'failed', reason: code, message });
  }
  const results: unknown[] = Array.isArray(body.results) ? body.results : body.result ? [body.result] : [];
  for (const raw of results) {
    if (raw === null || typeof raw !== 'object') continue;
    const result = raw as FunctionSendResult;
    if (typeof result.notificationId === 'string') outcomes.set(result.notificationId, toOutcome(result, nowMs));
  }
  for (const event of events) {
    if (!outcomes.has(event.notificationId)) {
      outcomes.set(event.notificationId, { kind: 'retry', reason: 'NO_RESULT', message: 'the cloud function returned no result for this notification' });
    }
  }
  return outcomes;
}

function toOutcome(result: FunctionSendResult, nowMs: number): DeliveryOutcome {
  const reason = typeof result.reason === 'string' ? result.reason : 'UNKNOWN';
  const message = typeof result.message === 'string' ? result.message : reason;
  const errorCode = typeof result.errCode === 'number' ? String(result.errCode) : undefined;
  switch (result.status) {
    case 'sent':
      return { kind: 'sent', reason, sentAt: typeof result.sentAt === 'string' ? result.sentAt : new Date(nowMs).toISOString() };
    case 'skipped':
      return { kind: 'skipped', reason, message };
    case 'failed':
      return result.retryable === true
        ? { kind: 'retry', reason, message, ...(errorCode ? { errorCode } : {}) }
        : { kind: 'failed', reason, message, ...(errorCode ? { errorCode } : {}) };
    default:
      return { kind: 'retry', reason: 'BAD_RESULT', message: 'the cloud function returned a result without a known status' };
  }
}
