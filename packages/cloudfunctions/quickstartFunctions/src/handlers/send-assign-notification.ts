import { REASONS, reasonForErrcode, type DeliveryEvent, type SendResult } from '@leadnotify/contracts';
import type { CloudDatabase } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import { findBinding } from '../store/bindings.js';
import { claimDelivery, finishDelivery } from '../store/deliveries.js';
import { clearSubscription, consumeSubscription, refundSubscription } from '../store/subscriptions.js';
import { buildSubscribeMessage } from '../template/build-message.js';

interface WxApiError {
  errCode?: unknown;
  errMsg?: unknown;
  message?: unknown;
}

/** Sends one delivery as one subscribe message, at most once per deliveryId. */
export async function sendAssignNotification(deps: FunctionDeps, delivery: DeliveryEvent): Promise<SendResult> {
  const { config } = deps;
  const base = { deliveryId: delivery.deliveryId };
  if (config.sendProblems.length > 0) {
    return { ...base, status: 'failed', reason: 'CONFIG_INVALID', message: config.sendProblems.join('; ') };
  }
  const db = deps.cloud.database();
  const claim = await claimDelivery(db, delivery.deliveryId, deps.now(), config.staleClaimMs);
  if (claim.kind === 'already-sent') return { ...claim.result, reason: 'ALREADY_SENT' };
  if (claim.kind === 'in-progress') {
    return { ...base, status: 'failed', reason: 'IN_PROGRESS', message: 'another run is sending this delivery' };
  }
  let result: SendResult;
  try {
    result = await deliver(deps, db, delivery);
  } catch (error) {
    deps.log.error('send failed unexpectedly', { deliveryId: delivery.deliveryId, error: String(error) });
    result = { ...base, status: 'failed', reason: 'WECHAT_ERROR', message: 'unexpected error in the cloud function' };
  }
  await finishDelivery(db, result, deps.now());
  return result;
}

async function deliver(deps: FunctionDeps, db: CloudDatabase, delivery: DeliveryEvent): Promise<SendResult> {
  const base = { deliveryId: delivery.deliveryId };
  const templateId = deps.config.templateId as string;
  const openid = delivery.openid ?? (await findBinding(db, delivery.assigneeId))?.openid;
  if (!openid) {
    return { ...base, status: 'skipped', reason: 'NOT_BOUND', message: REASONS.NOT_BOUND.summary };
  }
  const nowIso = () => new Date(deps.now()).toISOString();
  if (!(await consumeSubscription(db, openid, templateId, nowIso()))) {
    return { ...base, status: 'skipped', reason: 'NO_SUBSCRIPTION', message: REASONS.NO_SUBSCRIPTION.summary };
  }
  try {
    await deps.cloud.openapi.subscribeMessage.send(buildSubscribeMessage(deps.config, delivery, openid));
  } catch (thrown) {
    const error = (thrown ?? {}) as WxApiError;
    const errCode = typeof error.errCode === 'number' ? error.errCode : undefined;
    const errMsg = String(error.errMsg ?? error.message ?? thrown);
    if (errCode === undefined) {
      await refundSubscription(db, openid, templateId, nowIso());
      return { ...base, status: 'failed', reason: 'WECHAT_ERROR', message: errMsg };
    }
    const reason = reasonForErrcode(errCode, errMsg);
    if (REASONS[reason].disposition === 'skipped') {
      // 43101: WeChat holds no acceptance, whatever we counted.
      await clearSubscription(db, openid, templateId, nowIso());
      return { ...base, status: 'skipped', reason, errCode, message: errMsg };
    }
    await refundSubscription(db, openid, templateId, nowIso());
    return { ...base, status: 'failed', reason, errCode, message: errMsg };
  }
  return { ...base, status: 'sent', reason: 'SENT', sentAt: nowIso() };
}
