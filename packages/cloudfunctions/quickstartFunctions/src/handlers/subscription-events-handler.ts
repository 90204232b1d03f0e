import { applySubscriptionEventsSchema, functionError, problemsOf, type FunctionError, type SubscriptionState } from '@leadnotify/contracts';
import type { WxContext } from '../cloud-sdk.js';
import { isOurTemplate } from '../config.js';
import type { FunctionDeps } from '../deps.js';
import { findCrmUserOf } from '../store/bindings.js';
import { COLLECTIONS } from '../store/collections.js';
import { addSubscription, subscriptionState, turnOff } from '../store/subscriptions.js';
import { isTrustedServerCall } from './access.js';

/**
 * What WeChat's message push said, forwarded by the CRM (only a server URL receives pushes): an acceptance
 * in the subscribe dialog adds one message to the count; turning the template off in the settings sets it to
 * none. Each change counts once, by its key: a change is marked applied before it is applied, so a run
 * stopped between the two loses that one acceptance — never counts it twice — and the next delivery's
 * probe of WeChat (count 0, no refusal) recovers it. Changes for templates that are not ours (the host mini
 * program's own) change nothing and are left out of the answer.
 */
export async function handleApplySubscriptionEvents(
  deps: FunctionDeps,
  context: WxContext,
  event: Record<string, unknown>,
): Promise<{ ok: true; states: SubscriptionState[] } | FunctionError> {
  if (!isTrustedServerCall(deps, context, event)) return functionError('FORBIDDEN', 'only the CRM server may apply subscription events');
  const parsed = applySubscriptionEventsSchema.safeParse(event);
  if (!parsed.success) return functionError('INVALID_EVENT', 'the subscription events are invalid', problemsOf(parsed.error, 'event'));
  const db = deps.cloud.database();
  const touched = new Map<string, { openid: string; templateId: string }>();
  for (const change of parsed.data.changes.filter((candidate) => isOurTemplate(deps.config, candidate.templateId))) {
    touched.set(`${change.openid}\u0000${change.templateId}`, change);
    try {
      await db.collection(COLLECTIONS.appliedEvents).add({ data: { _id: change.key, appliedAt: deps.now() } });
    } catch {
      continue; // already applied: a push WeChat (or the CRM) delivered again
    }
    const now = new Date(deps.now()).toISOString();
    if (change.change === 'accept') await addSubscription(db, change.openid, change.templateId, now);
    else await turnOff(db, change.openid, change.templateId, now);
  }
  const states: SubscriptionState[] = [];
  for (const { openid, templateId } of touched.values()) {
    const crmUserId = await findCrmUserOf(db, openid, deps.now(), deps.config.staleRecordMs);
    states.push({ openid, templateId, ...(await subscriptionState(db, openid, templateId)), ...(crmUserId ? { crmUserId } : {}) });
  }
  return { ok: true, states };
}
