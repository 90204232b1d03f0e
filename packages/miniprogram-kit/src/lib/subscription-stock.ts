import { apiFailure, send } from './api-failure.js';
import { callFunctionEvent, type CallFunction } from './call-function.js';
import type { KitRequest } from './kit-config.js';

/** The caller's stock of one lead template: how many more messages WeChat allows with it, as the function counts. */
export interface TemplateStock {
  templateId: string;
  remaining: number;
}

/** The lead notice's templates (the function's SUBSCRIBE_TEMPLATE_IDS, in its order) with the caller's stock of each. */
export interface Stock {
  templates: TemplateStock[];
  remaining: number;
}

function stockOf(result: Record<string, unknown>): Stock {
  const templates = Array.isArray(result.templates)
    ? (result.templates as Array<Record<string, unknown>>).flatMap((template) =>
        typeof template.templateId === 'string' && template.templateId !== ''
          ? [{ templateId: template.templateId, remaining: typeof template.remaining === 'number' ? template.remaining : 0 }]
          : [],
      )
    : [];
  return { templates, remaining: templates.reduce((sum, template) => sum + template.remaining, 0) };
}

/**
 * subscriptionStatus → {ok: true, templates: [{templateId, remaining}], remaining}: which templates to ask for (the
 * function is the one place they are configured) and the caller's stock of each.
 */
export async function subscriptionStatus(callFunction: CallFunction, functionName: string): Promise<Stock> {
  return stockOf(await callFunctionEvent(callFunction, functionName, { type: 'subscriptionStatus' }, []));
}

/**
 * recordSubscription {results} → the stock after it: tells the function what the dialog answered, a hint (an accept
 * lifts a recorded refusal). The count it answers usually does not include this tap's acceptances yet: WeChat's push
 * of them can arrive later (see stockAfterAcceptance).
 */
export async function recordSubscription(callFunction: CallFunction, functionName: string, results: Record<string, string>): Promise<Stock> {
  return stockOf(await callFunctionEvent(callFunction, functionName, { type: 'recordSubscription', results }, []));
}

/**
 * Tells the CRM what WeChat answered (POST /api/me/subscription-answers): an accept catches the salesperson up on what
 * was skipped for them. WeChat may not push an acceptance made without a dialog, so this report is then the only word
 * the CRM gets of it. Returns how many notifications went back to the queue.
 */
export async function reportSubscriptionAnswer(request: KitRequest, results: Record<string, string>): Promise<number> {
  const what = 'POST /api/me/subscription-answers';
  const response = await send(what, () => request({ method: 'POST', path: '/api/me/subscription-answers', data: { results } }));
  if (response.statusCode !== 200) throw apiFailure(what, response);
  return Number((response.data as { caughtUp?: unknown } | null)?.caughtUp ?? 0);
}

/**
 * The two hints after a subscribe request that accepted: to the function (lifts a recorded refusal) and then to the CRM
 * (catches up, and the function then asks WeChat). The function's answer is the stock; a failed CRM report is only
 * logged — the next acceptance, or WeChat's push, catches up as well.
 */
export async function reportAcceptance(callFunction: CallFunction, functionName: string, request: KitRequest, results: Record<string, string>): Promise<Stock> {
  const stock = await recordSubscription(callFunction, functionName, results);
  await reportSubscriptionAnswer(request, results).catch((thrown: unknown) => console.warn('leadnotify kit: reporting the acceptance to the CRM failed', thrown instanceof Error ? thrown.message : thrown));
  return stock;
}
