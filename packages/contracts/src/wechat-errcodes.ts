import type { ReasonCode } from './reasons.js';

/**
 * The WeChat APIs this project calls, named by their URL path on api.weixin.qq.com without the leading slash, or
 * by their cloud-call name inside the function (`subscribeMessage.send`). An errcode is read in the light of the
 * API that answered it: most mean the same everywhere (the default table), a few mean something else for one API.
 */
export const WECHAT_APIS = [
  'cgi-bin/stable_token',
  'cgi-bin/token',
  'tcb/invokecloudfunction',
  'wxa/getwxacodeunlimit',
  'wxaapi/newtmpl/gettemplate',
  'subscribeMessage.send',
  // WeCom (企业微信), on qyapi.weixin.qq.com: `qyapi/` names the host, the rest is the path.
  'qyapi/cgi-bin/gettoken',
  'qyapi/cgi-bin/message/send',
  'qyapi/cgi-bin/user/getuserid',
] as const;
export type WechatApi = (typeof WECHAT_APIS)[number];

/**
 * What WeChat errcodes mean for any API unless an API's own table says otherwise, as reason codes (the reason
 * table says what follows from each).
 * Sources:
 * - global codes: https://developers.weixin.qq.com/doc/offiaccount/en/Getting_Started/Global_Return_Code.html
 * - stable token: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html
 * - cloud HTTP API: https://developers.weixin.qq.com/miniprogram/dev/wxcloud/reference-http-api/functions/invokeCloudFunction.html
 * - cloud errcodes: https://developers.weixin.qq.com/miniprogram/dev/wxcloud/reference/errcode.html
 * - subscribeMessage.send: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html
 * - mini-program codes: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html
 * - template list: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/getTemplateList.html
 */
export const WECHAT_ERRCODES: Readonly<Record<number, ReasonCode>> = Object.freeze({
  [-1]: 'SYSTEM_BUSY',
  [-1000]: 'SYSTEM_BUSY',
  40001: 'TOKEN_REJECTED',
  40014: 'TOKEN_REJECTED',
  42001: 'TOKEN_REJECTED',
  41001: 'TOKEN_REJECTED',
  40002: 'REQUEST_INVALID',
  40013: 'APPID_INVALID',
  40125: 'APPSECRET_INVALID',
  41002: 'APPID_INVALID',
  41004: 'APPSECRET_INVALID',
  40164: 'IP_NOT_WHITELISTED',
  61004: 'IP_NOT_WHITELISTED',
  89503: 'ADMIN_CONFIRMATION_REQUIRED',
  40101: 'REQUEST_INVALID',
  43002: 'REQUEST_INVALID',
  44002: 'REQUEST_INVALID',
  45009: 'DAILY_QUOTA_EXCEEDED',
  45011: 'RATE_LIMITED',
  85088: 'CLOUD_NOT_ENABLED',
  40003: 'OPENID_INVALID',
  40037: 'TEMPLATE_INVALID',
  // "invalid page": for getwxacodeunlimit the page is not in the released version (check_path); for
  // subscribeMessage.send the deep-link page does not exist in the miniprogram_state version.
  41030: 'PAGE_INVALID',
  // getwxacodeunlimit: a parameter such as env_version or width refused; "invalid scene" / "invalid length for scene".
  40097: 'REQUEST_INVALID',
  40129: 'SCENE_INVALID',
  40169: 'SCENE_INVALID',
  43101: 'NO_SUBSCRIPTION',
  47003: 'TEMPLATE_DATA_INVALID',
  [-501000]: 'CLOUD_ENV_INVALID',
  [-501005]: 'CLOUD_ENV_INVALID',
  [-501001]: 'SYSTEM_BUSY',
  [-501002]: 'FUNCTION_TIMEOUT',
  [-501003]: 'CLOUD_QUOTA_EXCEEDED',
  [-501004]: 'RATE_LIMITED',
  [-501009]: 'FUNCTION_NOT_FOUND',
  [-504001]: 'FUNCTION_NOT_FOUND',
  [-504002]: 'FUNCTION_FAILED',
  // Not in the official table; what WeChat answers when a function runs past its time limit, as developers
  // report it ("-504003 … Invoking task timed out after 3 seconds").
  [-504003]: 'FUNCTION_TIMEOUT',
  [-601001]: 'SYSTEM_BUSY',
  [-601003]: 'SYSTEM_BUSY',
  [-604101]: 'OPENAPI_PERMISSION_DENIED',
  [-604102]: 'FUNCTION_TIMEOUT',
});

/**
 * Errcodes that mean something else for one API than the default table says. A key names an API, or a path above
 * several (`qyapi` would hold WeCom's own meanings of 40001, 45009, 60020, 81013 for every `qyapi/…` API): the
 * most specific key that names the API, or a path above it at a `/`, decides before the default table.
 */
export const WECHAT_API_ERRCODES: Readonly<Record<string, Readonly<Record<number, ReasonCode>>>> = Object.freeze({
  // getUnlimitedQRCode allows 5,000 calls a minute (its page, above): its 45009 is that limit, not a daily quota.
  'wxa/getwxacodeunlimit': Object.freeze({ 45009: 'CODE_RATE_LIMITED' }),
  // WeCom's own meanings. Global codes: https://developer.work.weixin.qq.com/document/path/90455 ; sending:
  // https://developer.work.weixin.qq.com/document/path/90236 (81013: every receiver invalid).
  qyapi: Object.freeze({
    40001: 'WECOM_SECRET_INVALID',
    40013: 'WECOM_CORP_INVALID',
    40056: 'WECOM_AGENT_INVALID',
    301002: 'WECOM_AGENT_INVALID',
    40003: 'WECOM_USER_INVALID',
    60011: 'WECOM_USER_INVALID',
    81013: 'WECOM_USER_INVALID',
    60020: 'WECOM_IP_NOT_TRUSTED',
    48002: 'WECOM_PERMISSION_DENIED',
    // user/getuserid (https://developer.work.weixin.qq.com/document/path/95402): nobody of the corp has that mobile.
    46004: 'WECOM_USER_INVALID',
    60103: 'WECOM_USER_INVALID',
    45009: 'RATE_LIMITED',
    45033: 'RATE_LIMITED',
  }),
});

/** Token errors after which a cached token is dropped and the call retried once. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/** WeCom's: its 40001 is a wrong secret, which a new token cannot cure. */
export const WECOM_TOKEN_ERRCODES: ReadonlySet<number> = new Set([40014, 42001]);

/**
 * A -504002 ("function execution failed") whose message says the run timed out is a timeout: the
 * documentation does not rule out WeChat reporting one that way.
 */
const TIMEOUT_TEXT = /time ?out|timed out|超时/i;

/** What an errcode means coming from `api` (or from an API with no table of its own, when none is named). */
export function reasonForErrcode(errcode: number, errmsg: string, api?: WechatApi): ReasonCode {
  if (errcode === -504002 && TIMEOUT_TEXT.test(errmsg)) return 'FUNCTION_TIMEOUT';
  return apiReasonFor(errcode, api) ?? WECHAT_ERRCODES[errcode] ?? 'UNKNOWN_ERRCODE';
}

function apiReasonFor(errcode: number, api: string | undefined): ReasonCode | undefined {
  const parts = api === undefined ? [] : api.split('/');
  for (let length = parts.length; length > 0; length--) {
    const scope = parts.slice(0, length).join('/');
    const reason = Object.hasOwn(WECHAT_API_ERRCODES, scope) ? WECHAT_API_ERRCODES[scope]?.[errcode] : undefined;
    if (reason !== undefined) return reason;
  }
  return undefined;
}
