import { REASONS } from '@leadnotify/contracts';
import { isWechatError, type WecomClient } from '@leadnotify/wechat-client';
import type { Config } from '../config.js';
import { finding, type Finding } from './findings.js';

/**
 * A mobile number no member can have (no Chinese mobile number starts with 10): user/getuserid answers 46004 for it
 * once the call got past WeCom's IP check, and changes nothing. https://developer.work.weixin.qq.com/document/path/95402
 */
export const NOBODY_S_MOBILE = '10000000000';

/**
 * WeCom, when configured: a token (corp id, secret), and the server's IP among the application's trusted IPs (企业可信IP),
 * seen through a call without side effects — 60020 means it is not.
 */
export async function checkWecom(deps: { config: Config; wecom?: WecomClient | undefined }): Promise<Finding[]> {
  const { config, wecom } = deps;
  if (!wecom) {
    const why = 'WeCom is not configured (WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_AGENT_SECRET)';
    return [finding('wecom-credentials', 'skipped', `not checked: ${why}`), finding('wecom-trusted-ip', 'skipped', `not checked: ${why}`)];
  }
  const untrusted = (errmsg: string | undefined) =>
    finding('wecom-trusted-ip', 'problem', `${REASONS.WECOM_IP_NOT_TRUSTED.summary}${errmsg ? ` (${errmsg})` : ''}`, REASONS.WECOM_IP_NOT_TRUSTED.fix);
  try {
    await wecom.getAccessToken();
  } catch (error) {
    if (isWechatError(error) && error.code === 'WECOM_IP_NOT_TRUSTED') {
      return [finding('wecom-credentials', 'skipped', 'not checked: WeCom refuses calls from this server'), untrusted(error.errmsg)];
    }
    const reason = isWechatError(error) ? REASONS[error.code] : undefined;
    const summary = isWechatError(error) ? `${reason?.summary} (${error.errcode ?? error.code})` : `unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
    return [
      finding('wecom-credentials', 'problem', `no WeCom access token for corp ${config.WECOM_CORP_ID}, application ${config.WECOM_AGENT_ID}: ${summary}`, reason?.fix),
      finding('wecom-trusted-ip', 'skipped', 'not checked: no WeCom access token'),
    ];
  }
  const credentials = finding('wecom-credentials', 'ok', `a WeCom access token was had for corp ${config.WECOM_CORP_ID}, application ${config.WECOM_AGENT_ID}`);
  try {
    await wecom.getUserIdByMobile(NOBODY_S_MOBILE);
    return [credentials, finding('wecom-trusted-ip', 'ok', "WeCom takes calls from this server's IP")];
  } catch (error) {
    if (!isWechatError(error)) return [credentials, finding('wecom-trusted-ip', 'warning', `could not tell: ${error instanceof Error ? error.message : String(error)}`)];
    if (error.code === 'WECOM_IP_NOT_TRUSTED') return [credentials, untrusted(error.errmsg)];
    // 46004 (nobody has that mobile) or 60103 (not a mobile number): the call passed the IP check.
    if (error.code === 'WECOM_USER_INVALID') return [credentials, finding('wecom-trusted-ip', 'ok', "WeCom takes calls from this server's IP")];
    return [credentials, finding('wecom-trusted-ip', 'warning', `could not tell: user/getuserid answered ${error.errcode ?? error.code} (${REASONS[error.code].summary})`, REASONS[error.code].fix)];
  }
}
