import { callFunctionEvent, type CallFunction } from './call-function.js';
import type { KitErrorCode } from './kit-error.js';

/**
 * The bindCrmUser answers the bind page tells apart (quickstartFunctions handlers/user-handlers.ts): the ticket's,
 * and OPENID_BOUND_ELSEWHERE — this WeChat user is bound to another CRM user; nothing changed, the ticket unused.
 */
const BIND_ERRORS: readonly KitErrorCode[] = ['TICKET_INVALID', 'TICKET_EXPIRED', 'TICKET_USED', 'OPENID_BOUND_ELSEWHERE'];

export interface Binding {
  crmUserId: string;
  boundAt: string;
}

/** bindCrmUser {ticket} → {ok: true, crmUserId, boundAt}. */
export async function bindCrmUser(callFunction: CallFunction, functionName: string, ticket: string): Promise<Binding> {
  const result = await callFunctionEvent(callFunction, functionName, { type: 'bindCrmUser', ticket }, BIND_ERRORS);
  return { crmUserId: String(result.crmUserId), boundAt: String(result.boundAt) };
}

/** unbindCrmUser → {ok: true, unbound}: frees the calling WeChat user from the CRM user it is bound to. */
export async function unbindCrmUser(callFunction: CallFunction, functionName: string): Promise<boolean> {
  const result = await callFunctionEvent(callFunction, functionName, { type: 'unbindCrmUser' }, []);
  return result.unbound === true;
}
