import { functionError, type FunctionError, type VouchCrmSessionAnswer } from '@leadnotify/contracts';
import type { WxContext } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import { signSessionVouch } from '../security/session-vouch.js';
import { findBinding, findCrmUserOf } from '../store/bindings.js';

/**
 * The mini program signs its user in to the CRM without typing anything: the function knows who is calling from WeChat
 * itself (getWXContext().OPENID; anything the event says is ignored), looks up the CRM user that openid is bound to and
 * vouches for it. Only a binding that stands counts: a claim a bind in progress wrote is not one. The CRM exchanges the
 * vouch for a short-lived token (POST /api/wechat-session).
 */
export async function handleVouchCrmSession(deps: FunctionDeps, context: WxContext): Promise<VouchCrmSessionAnswer | FunctionError> {
  if (!context.OPENID) return functionError('FORBIDDEN', "call this from the mini program (wx.cloud.callFunction): it needs the user's OPENID");
  if (!deps.config.sharedSecret) return functionError('CONFIG_INVALID', deps.config.bindProblems.join('; '));
  const db = deps.cloud.database();
  const nowMs = deps.now();
  const openid = context.OPENID;
  const crmUserId = await findCrmUserOf(db, openid, nowMs, deps.config.staleRecordMs);
  const binding = crmUserId === undefined ? undefined : await findBinding(db, crmUserId);
  if (binding?.openid !== openid) {
    return functionError('NOT_BOUND', 'this WeChat user is not bound to a CRM user: scan your binding code from the CRM first');
  }
  const { vouch, expiresAtMs } = signSessionVouch(deps.config.sharedSecret, binding, nowMs);
  return { ok: true, vouch, crmUserId: binding.crmUserId, expiresAt: new Date(expiresAtMs).toISOString() };
}
