import type { CloudDatabase } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import type { AssignNotification } from '../events.js';
import type { SendReason, SendResult } from '../results.js';
import { findBinding } from '../store/bindings.js';
import { claimDelivery, finishDelivery } from '../store/deliveries.js';
import { clearSubscription, consumeSubscription, refundSubscription } from '../store/subscriptions.js';
import { buildSubscribeMessage } from '../template/build-message.js';

/**
 * subscribeMessage.send errcodes (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html)
 * and the cloud errcodes that mean "try again later".
 */
const PERMANENT: Record<number, SendReason> = {
  40003: 'OPENID_INVALID',
  40037: 'TEMPLATE_INVALID',
  41030: 'PAGE_INVALID',
  47003: 'TEMPLATE_DATA_INVALID',
  [-604101]: 'PERMISSION_DENIED',
};
const TRANSIENT = new Set([-1, -1000, 45011, -501001, -501002, -501004, -601001, -601003, -604102]);

interface WxApiError {
  errCode?: unknown;
  errMsg?: unknown;
  message?: unknown;
}

/** Sends one notification as one subscribe message, at most once per notificationId. */
export async function sendAssignNotification(deps: FunctionDeps, notification: AssignNotification): Promise<SendResult> {
  const { config } = deps;
  const base = { notificationId: notification.notificationId };
  if (config.sendProblems.length > 0) {
    return { ...base, status: 'failed', reason: 'CONFIG_INVALID', message: config.sendProblems.join('; '), retryable: false };
  }
  const db = deps.cloud.database();
  const claim = await claimDelivery(db, notification.notificationId, deps.now(), config.staleClaimMs);
  if (claim.kind === 'already-sent') return { ...claim.result, reason: 'ALREADY_SENT' };
  if (claim.kind === 'in-progress') {
    return { ...base, status: 'failed', reason: 'IN_PROGRESS', message: 'another run is sending this notification', retryable: true };
  }
  let result: SendResult;
  try {
    result = await deliver(deps, db, notification);
  } catch (error) {
    deps.log.error('send failed unexpectedly', { notificationId: notification.notificationId, error: String(error) });
    result = { ...base, status: 'failed', reason: 'WECHAT_ERROR', message: 'unexpected error in the cloud function', retryable: true };
  }
  await finishDelivery(db, result, deps.now());
  return result;
}

async function deliver(deps: FunctionDeps, db: CloudDatabase, notification: AssignNotification): Promise<SendResult> {
  const base = { notificationId: notification.notificationId };
  const templateId = deps.config.templateId as string;
  const openid = notification.openid ?? (await findBinding(db, notification.assigneeId))?.openid;
  if (!openid) {
    return { ...base, status: 'skipped', reason: 'NOT_BOUND', message: 'the assignee has not bound WeChat in the mini program', retryable: false };
  }
  const nowIso = () => new Date(deps.now()).toISOString();
  if (!(await consumeSubscription(db, openid, templateId, nowIso()))) {
    return { ...base, status: 'skipped', reason: 'NO_SUBSCRIPTION', message: 'the assignee has no subscription left for the template', retryable: false };
  }
  try {
    await deps.cloud.openapi.subscribeMessage.send(buildSubscribeMessage(deps.config, notification, openid));
  } catch (thrown) {
    const error = (thrown ?? {}) as WxApiError;
    const errCode = typeof error.errCode === 'number' ? error.errCode : undefined;
    const errMsg = String(error.errMsg ?? error.message ?? thrown);
    if (errCode === 43101) {
      await clearSubscription(db, openid, templateId, nowIso());
      return { ...base, status: 'skipped', reason: 'NO_SUBSCRIPTION', errCode, message: errMsg, retryable: false };
    }
    await refundSubscription(db, openid, templateId, nowIso());
    const permanentReason = errCode === undefined ? undefined : PERMANENT[errCode];
    if (permanentReason) return { ...base, status: 'failed', reason: permanentReason, errCode, message: errMsg, retryable: false };
    const retryable = errCode === undefined || TRANSIENT.has(errCode);
    return { ...base, status: 'failed', reason: 'WECHAT_ERROR', ...(errCode === undefined ? {} : { errCode }), message: errMsg, retryable };
  }
  return { ...base, status: 'sent', reason: 'SENT', retryable: false, sentAt: nowIso() };
}
