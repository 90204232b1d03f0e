import { bindCrmUser, unbindCrmUser, type Binding } from './bind-crm-user.js';
import type { CallFunction } from './call-function.js';
import { decodeScene } from './decode-scene.js';
import { exchangeScene } from './exchange-scene.js';
import type { CrmSession } from './crm-session.js';
import type { KitRequest } from './kit-config.js';
import { toKitError } from './kit-error.js';
import type { BindOutcome } from './bind-messages.js';

export interface BindingDeps {
  request: KitRequest;
  callFunction: CallFunction;
  functionName: string;
  /** The CRM session of this WeChat (crm-session.ts): ended before the WeChat is unbound, forgotten after a bind. */
  session?: Pick<CrmSession, 'end' | 'forget'>;
}

export interface BindingState {
  outcome: BindOutcome;
  binding?: Binding;
  /** Kept after a successful exchange so a retry after a network failure does not spend the scene again. */
  ticket?: string;
  /** For the console, never shown as the message. */
  error?: string;
}

/**
 * Scene → ticket → bindCrmUser. `previous` is the state of an earlier attempt: when it already holds a
 * ticket, the exchange is skipped (the scene is single-use, so exchanging again would answer SCENE_USED).
 */
export async function runBinding(deps: BindingDeps, rawScene: unknown, previous?: BindingState): Promise<BindingState> {
  const scene = decodeScene(rawScene);
  if (scene === undefined) return { outcome: 'SCENE_INVALID', error: `scene ${JSON.stringify(rawScene)} is not a binding code` };
  let ticket = previous?.ticket;
  try {
    ticket ??= await exchangeScene(deps.request, scene);
    const binding = await bindCrmUser(deps.callFunction, deps.functionName, ticket);
    // The WeChat may now be another CRM user's: the next page signs in afresh.
    deps.session?.forget();
    return { outcome: 'BOUND', binding };
  } catch (thrown) {
    const error = toKitError(thrown);
    return { outcome: error.code, error: error.message, ...(ticket === undefined ? {} : { ticket }) };
  }
}

/**
 * The user's answer to OPENID_BOUND_ELSEWHERE: move this WeChat here. Frees it from the CRM user it is bound to
 * (unbindCrmUser), then binds with the ticket the refusal left unused. Without a ticket the scene is exchanged
 * again, which answers SCENE_USED.
 */
export async function moveBinding(deps: BindingDeps, rawScene: unknown, previous?: BindingState): Promise<BindingState> {
  try {
    // The CRM learns of an unbinding only from the kit: its sessions as the old CRM user end first.
    await deps.session?.end();
    await unbindCrmUser(deps.callFunction, deps.functionName);
  } catch (thrown) {
    const error = toKitError(thrown);
    return { outcome: error.code, error: error.message, ...(previous?.ticket === undefined ? {} : { ticket: previous.ticket }) };
  }
  return runBinding(deps, rawScene, previous);
}
