import { functionError, type FunctionError } from '@leadnotify/contracts';
import type { CloudDatabase, WxContext } from '../cloud-sdk.js';
import { isOurTemplate, templateIdsOf } from '../config.js';
import type { FunctionDeps } from '../deps.js';
import { verifyBindingTicket } from '../security/binding-ticket.js';
import { claimOpenid, completeTicketUse, findBinding, markTicketUsed, releaseClaim, removeBindingOf, saveBinding, type TicketUse } from '../store/bindings.js';
import { clearRefusal, subscriptionState } from '../store/subscriptions.js';

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

/** The caller's stock of each lead template, as the function counts it, and in total. */
async function stockOf(deps: FunctionDeps, db: CloudDatabase, openid: string) {
  const templates = await Promise.all(
    templateIdsOf(deps.config).map(async (templateId) => {
      const { remaining, refused } = await subscriptionState(db, openid, templateId);
      return { templateId, remaining, refused };
    }),
  );
  return { templates, remaining: templates.reduce((sum, template) => sum + template.remaining, 0) };
}

/**
 * What the kit asks before it can offer the subscribe dialog: the lead notice's templates (configured here once, in
 * SUBSCRIBE_TEMPLATE_IDS, not copied into the mini program) and the caller's stock of each. `remaining` counts what
 * WeChat's pushes reported; a silent acceptance WeChat did not push is not in it (the next send asks WeChat).
 */
export async function handleSubscriptionStatus(deps: FunctionDeps, context: WxContext) {
  if (!context.OPENID) return needsUser();
  if (deps.config.templates.length === 0) return functionError('CONFIG_INVALID', deps.config.sendProblems.join('; '));
  return { ok: true as const, ...(await stockOf(deps, deps.cloud.database(), context.OPENID)) };
}

/**
 * Called after wx.requestSubscribeMessage with its result (`results`: template id → accept | reject | …, as the
 * success callback gives it), or, as earlier kits did, with one `templateId` and `accepted`. Only a hint: WeChat's own
 * push (subscribe_msg_popup_event, applied through applySubscriptionEvents) counts acceptances; an accept reported
 * here lifts a recorded refusal so the next delivery asks WeChat, which decides. Templates that are not ours change
 * nothing. Answers the caller's stock per lead template and in total.
 */
export async function handleRecordSubscription(deps: FunctionDeps, context: WxContext, event: Record<string, unknown>) {
  if (!context.OPENID) return needsUser();
  const parsed = reportedResults(event);
  if (!parsed.ok) return functionError('INVALID_EVENT', 'the subscription event is invalid', parsed.problems);
  const db = deps.cloud.database();
  const foreign = Object.keys(parsed.results).filter((templateId) => !isOurTemplate(deps.config, templateId));
  if (foreign.length > 0) {
    // The kit reports the templates the function listed, so this is worth a line in the log: a host reporting its
    // own templates here, or a kit built against another configuration.
    deps.log.warn('recordSubscription for templates that are not the lead notice\'s: ignored', { templateIds: foreign });
  }
  for (const [templateId, answer] of Object.entries(parsed.results)) {
    if (isOurTemplate(deps.config, templateId) && ACCEPTED.has(answer)) await clearRefusal(db, context.OPENID, templateId, new Date(deps.now()).toISOString());
  }
  const stock = await stockOf(deps, db, context.OPENID);
  if (parsed.single === undefined) return { ok: true as const, ...stock };
  // The answer earlier kits read: the one template and its count, none for a template that is not ours.
  const single = stock.templates.find((template) => template.templateId === parsed.single);
  return { ok: true as const, templates: stock.templates, templateId: parsed.single, ...(single ? { remaining: single.remaining } : {}) };
}

type Reported = { ok: true; results: Record<string, unknown>; single?: string } | { ok: false; problems: Array<{ path: string; message: string }> };

function reportedResults(event: Record<string, unknown>): Reported {
  const isTemplateId = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '' && value.length <= 128;
  const answerProblem = 'must be true/false or the wx.requestSubscribeMessage result (accept, acceptWithAudio, acceptWithAlert, reject, ban, filter)';
  if (event.results !== undefined) {
    const results = event.results;
    if (results === null || typeof results !== 'object' || Array.isArray(results)) return { ok: false, problems: [{ path: 'event.results', message: 'must be the object wx.requestSubscribeMessage answered: template id → result' }] };
    const entries = Object.entries(results).filter(([key]) => key !== 'errMsg');
    const problems = entries.flatMap(([templateId, answer]) => [
      ...(isTemplateId(templateId) ? [] : [{ path: 'event.results', message: `${JSON.stringify(templateId)} is not a template id` }]),
      ...(ACCEPTED.has(answer) || DECLINED.has(answer) ? [] : [{ path: `event.results.${templateId}`, message: answerProblem }]),
    ]);
    if (entries.length === 0 || entries.length > 3) problems.push({ path: 'event.results', message: 'must name 1 to 3 templates' });
    return problems.length > 0 ? { ok: false, problems } : { ok: true, results: Object.fromEntries(entries) };
  }
  const { templateId, accepted } = event;
  const problems = [];
  if (!isTemplateId(templateId)) problems.push({ path: 'event.templateId', message: 'must be a template id' });
  if (!ACCEPTED.has(accepted) && !DECLINED.has(accepted)) problems.push({ path: 'event.accepted', message: answerProblem });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, results: { [templateId as string]: accepted }, single: templateId as string };
}
