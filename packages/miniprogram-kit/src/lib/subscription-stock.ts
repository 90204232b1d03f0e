import { callFunctionEvent, type CallFunction } from './call-function.js';

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
