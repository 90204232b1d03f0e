import {
  REASONS,
  reasonOf,
  sendBatchAnswerSchema,
  sendOneAnswerSchema,
  startOfNextBeijingDay,
  type DeliveryEventInput,
  type ReasonCode,
  type SendResult,
} from '@leadnotify/contracts';
import { isWechatError, type WechatClient } from '@leadnotify/wechat-client';
import type { DeliveryOutcome } from './types.js';

/**
 * Sends a chunk of deliveries in one invocation (the batch type when there are several) and turns the
 * answer — or the failure to get one — into one outcome per delivery. What follows from each reason is the
 * contracts' reason table's decision, not this file's.
 */
export async function invokeSend(
  wechat: WechatClient,
  functionName: string,
  events: DeliveryEventInput[],
  nowMs: number,
): Promise<Map<string, DeliveryOutcome>> {
  const outcomes = new Map<string, DeliveryOutcome>();
  const all = (outcome: DeliveryOutcome) => {
    for (const event of events) outcomes.set(event.deliveryId, outcome);
    return outcomes;
  };
  const [only] = events;
  const single = events.length === 1 && only !== undefined;
  const payload = single ? { type: 'sendCustomerAssignNotification', ...only } : { type: 'sendBatchCustomerAssignNotification', deliveries: events };

  let response: unknown;
  try {
    response = await wechat.invokeCloudFunction(functionName, payload);
  } catch (error) {
    if (!isWechatError(error)) {
      return all({ kind: 'retry', reason: 'UNEXPECTED_ERROR', message: error instanceof Error ? error.message : String(error) });
    }
    const errorCode = error.errcode === undefined ? error.code : String(error.errcode);
    const outcome = outcomeFor(error.code, error.message, nowMs, errorCode);
    // A transport failure's retryability depends on the instance (HTTP 404 is not 503, ENOTFOUND is not
    // ECONNRESET); wechat-client decides that, the table everything else.
    const transportRefused = outcome.kind === 'retry' && outcome.notBeforeMs === undefined && !error.retryable;
    return all(transportRefused ? { ...outcome, kind: 'failed' } : outcome);
  }

  const parsed = (single ? sendOneAnswerSchema : sendBatchAnswerSchema).safeParse(response);
  if (!parsed.success) {
    return all({ kind: 'retry', reason: 'BAD_RESULT', message: 'the cloud function answered a result the notifier cannot read' });
  }
  const answer = parsed.data;
  if (!answer.ok) return all(outcomeFor(answer.error.code, `cloud function refused the call: ${answer.error.message}`, nowMs));
  const results: SendResult[] = 'results' in answer ? answer.results : [answer.result];
  for (const result of results) outcomes.set(result.deliveryId, outcomeOfResult(result, nowMs));
  for (const event of events) {
    if (!outcomes.has(event.deliveryId)) {
      outcomes.set(event.deliveryId, { kind: 'retry', reason: 'NO_RESULT', message: REASONS.NO_RESULT.summary });
    }
  }
  return outcomes;
}

function outcomeOfResult(result: SendResult, nowMs: number): DeliveryOutcome {
  const message = result.message ?? result.reason;
  const to = result.openid === undefined ? {} : { openid: result.openid };
  if (result.status === 'sent') return { kind: 'sent', reason: result.reason, sentAt: result.sentAt ?? new Date(nowMs).toISOString(), ...to };
  if (result.status === 'skipped') return { kind: 'skipped', reason: result.reason, message };
  if (result.status === 'unconfirmed') {
    return { kind: 'unconfirmed', reason: result.reason, message, ...to, ...(result.errCode === undefined ? {} : { errorCode: String(result.errCode) }) };
  }
  return outcomeFor(result.reason, message, nowMs, result.errCode === undefined ? undefined : String(result.errCode));
}

/** A failure's outcome by the reason table. */
function outcomeFor(reason: ReasonCode, message: string, nowMs: number, errorCode?: string): DeliveryOutcome {
  const withCode = errorCode === undefined ? {} : { errorCode };
  const known = reasonOf(reason);
  switch (known?.disposition) {
    case 'retry':
      return { kind: 'retry', reason, message, ...withCode };
    case 'requeue':
      return { kind: 'requeue', reason, message, waitMs: known.waitMs ?? 0 };
    case 'retry-next-day':
      return { kind: 'retry', reason, message, ...withCode, notBeforeMs: startOfNextBeijingDay(nowMs) };
    default:
      return { kind: 'failed', reason, message, ...withCode };
  }
}
