import { functionError, type FunctionError } from '@leadnotify/contracts';
import type { CloudDatabase, WxContext } from '../cloud-sdk.js';
import { isOurTemplate } from '../config.js';
import type { FunctionDeps } from '../deps.js';
import { verifyBindingTicket } from '../security/binding-ticket.js';
import { claimOpenid, completeTicketUse, findBinding, markTicketUsed, releaseClaim, removeBindingOf, saveBinding, type TicketUse } from '../store/bindings.js';
import { clearRefusal, remainingSends } from '../store/subscriptions.js';

/** Kept from the stock quickstart template. */
export function handleGetOpenId(context: WxContext) {
  return { openid: context.OPENID, appid: context.APPID, unionid: context.UNIONID };
}

function needsUser(): FunctionError {
  return functionError('FORBIDDEN', 'call this from the mini program (wx.cloud.callFunction): it needs the user\'s OPENID');
}

/**
 * Binds the calling WeChat user to the CRM user named in a ticket the CRM issued to that user. Without
 * a valid, unused ticket nobody can bind to someone else's account and receive their leads; and a WeChat user
 * bound to another CRM user is refused (OPENID_BOUND_ELSEWHERE) with nothing changed, the ticket still unused,
 * until that binding is removed (unbindCrmUser). A CRM user binding from a new openid replaces their old one.
 * The same ticket from the same WeChat user again is a retry (the answer was lost, or the run was stopped at its
 * time limit after using the ticket) and is answered as the first time.
 */
export async function handleBindCrmUser(deps: FunctionDeps, context: WxContext, event: Record<string, unknown>) {
  if (!context.OPENID) return needsUser();
  if (!deps.config.sharedSecret) return functionError('CONFIG_INVALID', deps.config.bindProblems.join('; '));
  const check = verifyBindingTicket(event.ticket, deps.config.sharedSecret, deps.now(), deps.config.bindingTicketMaxAgeMs);
  if (!check.ok) return functionError(check.code, check.message);
  const db = deps.cloud.database();
  const nowMs = deps.now();
  const boundAt = new Date(nowMs).toISOString();
  const { crmUserId, nonce } = check.claims;
  const openid = context.OPENID;
  const claim = await claimOpenid(db, openid, crmUserId, nowMs, deps.config.staleRecordMs);
  if (!claim.ok) {
    return functionError(
      'OPENID_BOUND_ELSEWHERE',
      'this WeChat user is already bound to another CRM user: unbind there first (unbindCrmUser), or bind from your own WeChat; the ticket was not used',
    );
  }
  const use = await markTicketUsed(db, nonce, { openid, crmUserId, usedAt: boundAt });
  if (!use.fresh) return retryBind(db, nonce, use.earlier, { openid, crmUserId });
  await saveBinding(db, { crmUserId, openid, boundAt });
  await completeTicketUse(db, nonce);
  return { ok: true as const, crmUserId, boundAt };
}

/**
 * A used ticket. From the WeChat user and for the CRM user that used it, it is a retry: answered with the binding
 * when it stands, and finished when the first run was stopped before saving it — unless a later bind moved the
 * CRM user on, which an old ticket must not undo. From anyone else it is a replay: TICKET_USED. The caller's claim
 * is given up only when it does not hold up a binding of this CRM user.
 */
async function retryBind(db: CloudDatabase, nonce: string, earlier: TicketUse, caller: { openid: string; crmUserId: string }) {
  const { openid, crmUserId } = caller;
  const current = await findBinding(db, crmUserId);
  if (earlier.openid === openid && earlier.crmUserId === crmUserId) {
    if (current?.openid === openid) {
      if (!earlier.completed) await completeTicketUse(db, nonce);
      return { ok: true as const, crmUserId, boundAt: current.boundAt };
    }
    if (!earlier.completed && (current === undefined || current.boundAt <= earlier.usedAt)) {
      await saveBinding(db, { crmUserId, openid, boundAt: earlier.usedAt });
      await completeTicketUse(db, nonce);
      return { ok: true as const, crmUserId, boundAt: earlier.usedAt };
    }
  }
  if (current?.openid !== openid) await releaseClaim(db, openid, crmUserId);
  return functionError('TICKET_USED', 'this ticket was already used; ask the CRM for a new one');
}

/** Removes the calling WeChat user's binding, so the person can bind another WeChat or another CRM user can. */
export async function handleUnbindCrmUser(deps: FunctionDeps, context: WxContext) {
  if (!context.OPENID) return needsUser();
  const crmUserId = await removeBindingOf(deps.cloud.database(), context.OPENID, deps.now(), deps.config.staleRecordMs);
  return { ok: true as const, unbound: crmUserId !== undefined };
}

// Newer clients answer acceptWithAudio / acceptWithAlert for an accept with a reminder.
const ACCEPTED = new Set<unknown>([true, 'accept', 'acceptWithAudio', 'acceptWithAlert']);
const DECLINED = new Set<unknown>([false, 'reject', 'ban', 'filter']);

/**
 * Called after wx.requestSubscribeMessage. Only a hint: WeChat's own push (subscribe_msg_popup_event, applied
 * through applySubscriptionEvents) counts acceptances; an accept reported here lifts a recorded refusal so
 * the next delivery asks WeChat, which decides. A template that is not ours changes nothing, and the answer has no
 * `remaining` for it.
 */
export async function handleRecordSubscription(deps: FunctionDeps, context: WxContext, event: Record<string, unknown>) {
  if (!context.OPENID) return needsUser();
  const { templateId, accepted } = event;
  const problems = [];
  if (typeof templateId !== 'string' || templateId.trim() === '' || templateId.length > 128) {
    problems.push({ path: 'event.templateId', message: 'must be a template id' });
  }
  if (!ACCEPTED.has(accepted) && !DECLINED.has(accepted)) {
    problems.push({ path: 'event.accepted', message: 'must be true/false or the wx.requestSubscribeMessage result (accept, acceptWithAudio, acceptWithAlert, reject, ban, filter)' });
  }
  if (problems.length > 0) return functionError('INVALID_EVENT', 'the subscription event is invalid', problems);
  const db = deps.cloud.database();
  const id = templateId as string;
  if (!isOurTemplate(deps.config, id)) {
    // Not our stock. The kit reports the template it asked for, so this is worth a line in the log: a kit configured
    // with another template id than the function's never lifts a refusal.
    deps.log.warn('recordSubscription for a template other than SUBSCRIBE_TEMPLATE_ID: ignored', { templateId: id });
    return { ok: true as const, templateId: id };
  }
  if (ACCEPTED.has(accepted)) await clearRefusal(db, context.OPENID, id, new Date(deps.now()).toISOString());
  return { ok: true as const, templateId: id, remaining: await remainingSends(db, context.OPENID, id) };
}
