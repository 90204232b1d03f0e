import { REASONS, type SendBatchAnswer, type SendResult } from '@leadnotify/contracts';
import { isWechatError } from '@leadnotify/wechat-client';
import type { ChannelOutcome } from '../../states/transition.js';
import { UnreadableAnswer } from './cloud-function.js';

/**
 * The function's answer — or the failure to get one — as one outcome per delivery. What follows from each reason is
 * the reason table's decision (delivery/states reads it), not this file's: here only who said it.
 */
export function outcomesOfAnswer(deliveryIds: readonly string[], answer: SendBatchAnswer): Map<string, ChannelOutcome> {
  if (!answer.ok) {
    // The function refused the whole call: it said nothing about any delivery.
    return forEach(deliveryIds, { reason: answer.error.code, answered: false, message: `cloud function refused the call: ${answer.error.message}` });
  }
  const outcomes = new Map<string, ChannelOutcome>();
  for (const result of answer.results) outcomes.set(result.deliveryId, outcomeOfResult(result));
  for (const deliveryId of deliveryIds) {
    if (!outcomes.has(deliveryId)) outcomes.set(deliveryId, { reason: 'NO_RESULT', answered: false, message: REASONS.NO_RESULT.summary });
  }
  return outcomes;
}

export function outcomesOfFailure(deliveryIds: readonly string[], error: unknown): Map<string, ChannelOutcome> {
  if (error instanceof UnreadableAnswer) return forEach(deliveryIds, { reason: 'BAD_RESULT', answered: false, message: error.message });
  if (!isWechatError(error)) {
    return forEach(deliveryIds, { reason: 'UNEXPECTED_ERROR', answered: false, message: error instanceof Error ? error.message : String(error) });
  }
  // A transport failure's retryability depends on the instance (HTTP 404 is not 503, ENOTFOUND is not ECONNRESET):
  // wechat-client judges that; the table everything else.
  const permanent = REASONS[error.code].disposition === 'retry' && !error.retryable;
  return forEach(deliveryIds, {
    reason: error.code,
    answered: false,
    message: error.message,
    errorCode: error.errcode === undefined ? error.code : String(error.errcode),
    ...(permanent ? { permanent } : {}),
  });
}

function outcomeOfResult(result: SendResult): ChannelOutcome {
  return {
    reason: result.reason,
    answered: true,
    message: result.message ?? result.reason,
    ...(result.errCode === undefined ? {} : { errorCode: String(result.errCode) }),
    ...(result.sentAt === undefined ? {} : { sentAt: result.sentAt }),
    ...(result.openid === undefined ? {} : { openid: result.openid }),
    ...(result.templateId === undefined ? {} : { templateId: result.templateId }),
    ...(result.msgId === undefined ? {} : { msgId: result.msgId }),
  };
}

function forEach(deliveryIds: readonly string[], outcome: ChannelOutcome): Map<string, ChannelOutcome> {
  return new Map(deliveryIds.map((deliveryId) => [deliveryId, outcome]));
}
