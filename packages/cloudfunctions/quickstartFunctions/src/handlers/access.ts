import type { WxContext } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import { verifyEventSignature } from '../security/event-signature.js';

/**
 * The send types are for the CRM server only: a call through the HTTP API (SOURCE wx_http, first in the
 * chain, with no end-user OPENID), or an event signed with the shared secret within the last minutes. A mini-program user calling
 * them with wx.cloud.callFunction has an OPENID and SOURCE wx_client, and is refused.
 * SOURCE values: https://developers.weixin.qq.com/miniprogram/dev/wxcloud/reference-sdk-api/utils/Cloud.getWXContext.html
 */
export function isTrustedServerCall(deps: FunctionDeps, context: WxContext, event: Record<string, unknown>): boolean {
  const origin = (context.SOURCE ?? '').split(',')[0]?.trim();
  if (origin === 'wx_http' && !context.OPENID) return true;
  return deps.config.sharedSecret !== undefined && verifyEventSignature(event, deps.config.sharedSecret, deps.now());
}
