import { REASONS, reasonForErrcode, reasonOf, type DeliveryEvent, type ReasonCode, type SendResult } from '@leadnotify/contracts';
import type { CloudDatabase } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import { findBinding } from '../store/bindings.js';
import { templateIdsOf, type LeadTemplate } from '../config.js';
import { claimDelivery, finishDelivery, markReserved, markSending, newRunId, readRecord, RunTakenOver, takeOverStale, type DeliveryRecord } from '../store/deliveries.js';
import { recordRefusal, refundHolds, refundSend, reserveSend, settleSend, subscriptionVersion } from '../store/subscriptions.js';
import { buildSubscribeMessage } from '../template/build-message.js';
import { msgIdOf } from './msg-id-of.js';
import { answerRecalled, answerRecorded, inProgress, interruptSending } from './recorded-results.js';
import type { TimeBudget } from './time-budget.js';

interface WxApiError {
  errCode?: unknown;
  errMsg?: unknown;
  message?: unknown;
}

type SendOutcome = { ok: true; msgId: string | undefined } | { ok: false; reason: ReasonCode; errCode?: number; errMsg: string };

/**
 * Sends one delivery as one subscribe message, at most once per deliveryId, so that WeChat stopping the run
 * at any instant leaves the subscription count and the delivery record consistent (store/deliveries.ts).
 */
export async function sendAssignNotification(deps: FunctionDeps, delivery: DeliveryEvent, budget: TimeBudget): Promise<SendResult> {
  const { config } = deps;
  const { deliveryId } = delivery;
  if (config.sendProblems.length > 0) {
    return { deliveryId, reason: 'CONFIG_INVALID', message: config.sendProblems.join('; ') };
  }
  const db = deps.cloud.database();
  const openid = delivery.openid ?? (await findBinding(db, delivery.assigneeId))?.openid;
  const claim = await claimDelivery(db, { deliveryId, openid }, deps.now(), config.staleRecordMs);
  if (claim.kind === 'recorded') return answerRecorded(deps, db, deliveryId, claim.record, claim.result);
  if (claim.kind === 'recalled') return answerRecalled(deps, db, deliveryId, claim.record);
  if (claim.kind === 'in-progress') return inProgress(deliveryId);
  let runId: string;
  if (claim.kind === 'stale') {
    const resolved = await resolveStale(deps, db, delivery, claim.record, openid);
    if ('result' in resolved) return resolved.result;
    runId = resolved.runId;
  } else {
    runId = claim.runId;
  }

  let result: SendResult;
  try {
    const conservativeText = claim.kind === 'claimed' ? claim.conservativeText : claim.record.conservativeText === true;
    result = await deliver(deps, db, { delivery, openid, runId }, budget, conservativeText);
  } catch (error) {
    // Another run took the record over while this one was slow: it is that run's now, whatever it answers.
    if (error instanceof RunTakenOver) return inProgress(deliveryId);
    // A cloud database call failed. The record stays as it was (reserved or sending) and the next attempt
    // after the stale time resolves it like a killed run's: nothing here can tell whether the send went out.
    deps.log.error('send failed unexpectedly', { deliveryId, error: String(error) });
    result = { deliveryId, reason: 'FUNCTION_STORE_ERROR', message: 'unexpected error in the cloud function' };
  }
  return result;
}

/** What a run sends, to whom, and the run's identity on the delivery's record. */
interface RunOf {
  delivery: DeliveryEvent;
  openid: string | undefined;
  runId: string;
}

/**
 * A dead run's record. `sending`: the message may be out, so the delivery becomes unconfirmed and its unit
 * stays used. `reserved`: nothing was sent; this run carries on with the
 * same record, reusing the hold if the dead run took one. Returns a result, or undefined to carry on.
 */
async function resolveStale(
  deps: FunctionDeps,
  db: CloudDatabase,
  delivery: DeliveryEvent,
  record: DeliveryRecord,
  openid: string | undefined,
): Promise<{ result: SendResult } | { runId: string }> {
  const { deliveryId } = delivery;
  if (record.state === 'sending') return { result: (await interruptSending(deps, db, deliveryId, record)) ?? inProgress(deliveryId) };
  const heldFor = typeof record.openid === 'string' ? record.openid : undefined;
  // The assignee's binding moved since: give the old unit back before holding one for the new openid.
  if (heldFor && heldFor !== openid) await refundHolds(db, heldFor, templateIdsOf(deps.config), deliveryId, new Date(deps.now()).toISOString());
  const runId = newRunId();
  const next = { state: 'reserved' as const, stateAt: deps.now(), openid: openid ?? null, runId };
  return (await takeOverStale(db, deliveryId, record, next as Partial<DeliveryRecord> & typeof next)) ? { runId } : { result: inProgress(deliveryId) };
}

/**
 * Holds a unit, sends, records the outcome, then settles the unit; each step survives a kill before the next. When
 * WeChat holds no acceptance of the template tried (43101) and another lead template may still have one, that one is
 * tried in the same run, while it fits the time left.
 */
async function deliver(deps: FunctionDeps, db: CloudDatabase, run: RunOf, budget: TimeBudget, conservativeText: boolean): Promise<SendResult> {
  const { delivery, openid, runId } = run;
  const base = { deliveryId: delivery.deliveryId };
  if (!openid) {
    const result: SendResult = { ...base, reason: 'NOT_BOUND', message: REASONS.NOT_BOUND.summary };
    await finishDelivery(db, result, runId, deps.now());
    return result;
  }
  let candidates = deps.config.templates;
  for (;;) {
    const attemptStartedAt = deps.now();
    const attempt = await deliverWithTemplate(deps, db, { delivery, openid, runId }, candidates, budget, conservativeText);
    if (attempt.kind === 'done') return attempt.result;
    candidates = candidates.filter((template) => template.id !== attempt.refusedTemplateId);
    if (!budget.fits(deps.now() - attemptStartedAt)) {
      // Nothing went out (43101); the next invocation tries the templates left.
      const result: SendResult = { ...base, reason: 'NOT_ATTEMPTED', message: 'WeChat held no acceptance of one lead template; another is tried next' };
      await finishDelivery(db, result, runId, deps.now());
      return result;
    }
  }
}

type TemplateAttempt = { kind: 'done'; result: SendResult } | { kind: 'refused'; refusedTemplateId: string };

async function deliverWithTemplate(
  deps: FunctionDeps,
  db: CloudDatabase,
  run: RunOf & { openid: string },
  candidates: readonly LeadTemplate[],
  budget: TimeBudget,
  conservativeText: boolean,
): Promise<TemplateAttempt> {
  const { delivery, openid, runId } = run;
  const base = { deliveryId: delivery.deliveryId };
  const nowIso = () => new Date(deps.now()).toISOString();
  const done = async (result: SendResult, extra: { conservativeText?: boolean } = {}): Promise<TemplateAttempt> => {
    await finishDelivery(db, result, runId, deps.now(), extra);
    return { kind: 'done', result };
  };
  const reservation = await reserveSend(db, openid, candidates.map((template) => template.id), delivery.deliveryId, nowIso());
  if (reservation.kind === 'none') return done({ ...base, reason: 'NO_SUBSCRIPTION', message: REASONS.NO_SUBSCRIPTION.summary });
  const { templateId } = reservation;
  const template = candidates.find((candidate) => candidate.id === templateId) as LeadTemplate;
  // The count as this delivery left it: a refusal from WeChat is recorded only if nothing changed it since.
  const countVersion = await subscriptionVersion(db, openid, templateId);
  try {
    await markSending(db, delivery.deliveryId, runId, deps.now(), templateId);
  } catch (error) {
    // Taken over while this run was slow. Once that run has finished, a hold left here is this run's own (taken after
    // it settled its own): give it back. While it runs, the hold may be the one it reuses.
    if (error instanceof RunTakenOver) {
      const record = await readRecord(db, delivery.deliveryId);
      if (record && record.state !== 'reserved' && record.state !== 'sending') await refundSend(db, openid, templateId, delivery.deliveryId, nowIso());
    }
    throw error;
  }

  const sendStartedAt = deps.now();
  let outcome = await send(deps, template, delivery, openid, conservativeText);
  if (!conservativeText && !outcome.ok && outcome.reason === 'TEMPLATE_DATA_INVALID' && /data\./.test(outcome.errMsg)) {
    // WeChat refused a value's characters (47003 names the keyword): never lose the lead's message to its
    // text; render once more with a conservative character set, within the same reservation.
    const plain = buildSubscribeMessage(deps.config, template, delivery, openid, { conservative: true });
    const original = buildSubscribeMessage(deps.config, template, delivery, openid);
    if (JSON.stringify(plain.data) !== JSON.stringify(original.data)) {
      if (!budget.fits(deps.now() - sendStartedAt)) {
        // A second send would outlive the function: nothing went out (47003), so give the unit back and let
        // the next invocation send the conservative text straight away, without using an attempt.
        const result: SendResult = { ...base, reason: 'NOT_ATTEMPTED', message: 'WeChat refused the text; it goes out in conservative form next' };
        await finishDelivery(db, result, runId, deps.now(), { conservativeText: true });
        await refundSend(db, openid, templateId, delivery.deliveryId, nowIso());
        return { kind: 'done', result };
      }
      deps.log.warn('47003: sending again with conservative text', { deliveryId: delivery.deliveryId });
      outcome = await send(deps, template, delivery, openid, true);
    }
  }

  if (outcome.ok) {
    const result: SendResult = { ...base, reason: 'SENT', sentAt: nowIso(), openid, templateId, ...(outcome.msgId === undefined ? {} : { msgId: outcome.msgId }) };
    await finishDelivery(db, result, runId, deps.now());
    await settleSend(db, openid, templateId, delivery.deliveryId, nowIso());
    return { kind: 'done', result };
  }
  const { reason, errCode, errMsg } = outcome;
  const codePart = errCode === undefined ? {} : { errCode };
  if (reasonOf(reason)?.sendMayHaveGoneOut) {
    const result: SendResult = { ...base, reason, ...codePart, message: errMsg, openid, templateId };
    await finishDelivery(db, result, runId, deps.now());
    await settleSend(db, openid, templateId, delivery.deliveryId, nowIso());
    return { kind: 'done', result };
  }
  if (REASONS[reason].disposition === 'skipped') {
    // 43101: WeChat holds no acceptance of this template, whatever we counted. With another template left the record
    // goes back to `reserved` first, so a run stopped here is not taken for one that may have sent.
    const tryAnother = reason === 'NO_SUBSCRIPTION' && candidates.length > 1;
    const result: SendResult = { ...base, reason, ...codePart, message: errMsg };
    if (tryAnother) await markReserved(db, delivery.deliveryId, runId, deps.now());
    else await finishDelivery(db, result, runId, deps.now());
    await recordRefusal(db, openid, templateId, delivery.deliveryId, nowIso(), countVersion);
    return tryAnother ? { kind: 'refused', refusedTemplateId: templateId } : { kind: 'done', result };
  }
  const result: SendResult = { ...base, reason, ...codePart, message: errMsg };
  if (reason === 'TEMPLATE_INVALID' && candidates.length > 1) {
    // 40037: this template id is not the mini program's (deleted in the admin, say): nothing went out. The lead goes
    // out with another lead template rather than failing for good until the configuration is mended.
    deps.log.warn('40037: a configured template id is unknown to WeChat; trying another lead template', { deliveryId: delivery.deliveryId, templateId });
    await markReserved(db, delivery.deliveryId, runId, deps.now());
    await refundSend(db, openid, templateId, delivery.deliveryId, nowIso());
    return { kind: 'refused', refusedTemplateId: templateId };
  }
  await finishDelivery(db, result, runId, deps.now());
  await refundSend(db, openid, templateId, delivery.deliveryId, nowIso());
  return { kind: 'done', result };
}

async function send(deps: FunctionDeps, template: LeadTemplate, delivery: DeliveryEvent, openid: string, conservative: boolean): Promise<SendOutcome> {
  try {
    const answer = await deps.cloud.openapi.subscribeMessage.send(buildSubscribeMessage(deps.config, template, delivery, openid, { conservative }));
    return { ok: true, msgId: msgIdOf(answer.msgid) };
  } catch (thrown) {
    const error = (thrown ?? {}) as WxApiError;
    const errCode = typeof error.errCode === 'number' ? error.errCode : undefined;
    const errMsg = String(error.errMsg ?? error.message ?? thrown);
    // Without an errcode the SDK call failed somewhere between us and WeChat: it may have been delivered.
    if (errCode === undefined) return { ok: false, reason: 'WECHAT_ERROR', errMsg };
    return { ok: false, reason: reasonForErrcode(errCode, errMsg, 'subscribeMessage.send'), errCode, errMsg };
  }
}
