import type { WechatErrorCode } from './wechat-error.js';

export interface ErrcodeRule {
  code: WechatErrorCode;
  retryable: boolean;
  /** What the operator should do; appended to the error message. */
  hint: string;
}

const TOKEN_REJECTED: ErrcodeRule = {
  code: 'TOKEN_REJECTED',
  retryable: true,
  hint: 'the access token was rejected even after a refresh; another process may be fetching tokens with GET /cgi-bin/token',
};
const IP_NOT_WHITELISTED: ErrcodeRule = {
  code: 'IP_NOT_WHITELISTED',
  retryable: false,
  hint: "add this server's outbound IP to the mini program's API IP whitelist (mp.weixin.qq.com: Development > Development settings)",
};
const SYSTEM_BUSY: ErrcodeRule = { code: 'SYSTEM_BUSY', retryable: true, hint: 'WeChat is busy; retry later' };
const SCENE_INVALID: ErrcodeRule = {
  code: 'SCENE_INVALID',
  retryable: false,
  hint: "scene must be 1 to 32 characters from digits, letters and !#$&'()*+,/:;=?@-._~",
};
const ENV_INVALID: ErrcodeRule = {
  code: 'CLOUD_ENV_INVALID',
  retryable: false,
  hint: 'check MINIPROGRAM_CLOUD_ENV names an environment of this mini program',
};

/**
 * WeChat errcodes this project meets, and whether the same call may succeed later.
 * Sources:
 * - global codes: https://developers.weixin.qq.com/doc/offiaccount/en/Getting_Started/Global_Return_Code.html
 * - stable token: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html
 * - cloud HTTP API: https://developers.weixin.qq.com/miniprogram/dev/wxcloud/reference-http-api/functions/invokeCloudFunction.html
 * - cloud errcodes: https://developers.weixin.qq.com/miniprogram/dev/wxcloud/reference/errcode.html
 * - mini-program codes: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html
 */
export const ERRCODE_TABLE: Readonly<Record<number, ErrcodeRule>> = Object.freeze({
  [-1]: SYSTEM_BUSY,
  [-1000]: SYSTEM_BUSY,
  40001: TOKEN_REJECTED,
  40014: TOKEN_REJECTED,
  42001: TOKEN_REJECTED,
  41001: TOKEN_REJECTED,
  40002: { code: 'REQUEST_INVALID', retryable: false, hint: 'grant_type was refused; this is a client bug' },
  40013: { code: 'APPID_INVALID', retryable: false, hint: 'check MINIPROGRAM_APPID' },
  40125: { code: 'APPSECRET_INVALID', retryable: false, hint: 'check MINIPROGRAM_APPSECRET' },
  41002: { code: 'APPID_INVALID', retryable: false, hint: 'MINIPROGRAM_APPID is empty; set it' },
  41004: { code: 'APPSECRET_INVALID', retryable: false, hint: 'MINIPROGRAM_APPSECRET is empty; set it' },
  40164: IP_NOT_WHITELISTED,
  61004: IP_NOT_WHITELISTED,
  89503: {
    code: 'ADMIN_CONFIRMATION_REQUIRED',
    retryable: false,
    hint: "a mini program admin must confirm this server's IP in the WeChat notification, then retry",
  },
  40101: { code: 'REQUEST_INVALID', retryable: false, hint: 'a required parameter is missing; this is a client bug' },
  43002: { code: 'REQUEST_INVALID', retryable: false, hint: 'wrong HTTP method; this is a client bug' },
  44002: { code: 'REQUEST_INVALID', retryable: false, hint: 'the request body was empty; this is a client bug' },
  45009: {
    code: 'DAILY_QUOTA_EXCEEDED',
    retryable: false,
    hint: "the API's daily quota is used up; calls succeed again tomorrow (or after a quota reset in the admin console)",
  },
  45011: { code: 'RATE_LIMITED', retryable: true, hint: 'the per-minute limit was hit; retry after a pause' },
  85088: {
    code: 'CLOUD_NOT_ENABLED',
    retryable: false,
    hint: 'enable cloud development for this mini program, and check MINIPROGRAM_CLOUD_ENV',
  },
  [-501000]: ENV_INVALID,
  [-501005]: ENV_INVALID,
  [-501001]: SYSTEM_BUSY,
  [-501002]: { code: 'FUNCTION_TIMEOUT', retryable: true, hint: 'the cloud timed out; retry later' },
  [-501003]: {
    code: 'CLOUD_QUOTA_EXCEEDED',
    retryable: false,
    hint: "the cloud environment's request quota is used up; upgrade the plan or wait for the quota period",
  },
  [-501004]: { code: 'RATE_LIMITED', retryable: true, hint: 'too many concurrent requests for the cloud environment' },
  [-501009]: {
    code: 'FUNCTION_NOT_FOUND',
    retryable: false,
    hint: 'deploy the cloud function (WECHAT_CLOUD_FUNCTION) to MINIPROGRAM_CLOUD_ENV with WeChat DevTools',
  },
  [-504001]: {
    code: 'FUNCTION_NOT_FOUND',
    retryable: false,
    hint: 'the cloud function could not be called; check it is deployed to MINIPROGRAM_CLOUD_ENV',
  },
  [-504002]: {
    code: 'FUNCTION_FAILED',
    retryable: false,
    hint: "the cloud function threw; read its logs in the cloud console",
  },
  // Not in the official table we have; what WeChat answers when a function runs past its time limit, as
  // developers report it ("-504003 … Invoking task timed out after 3 seconds"). The function is idempotent per
  // notification, so a retry is safe and may finish in time.
  [-504003]: { code: 'FUNCTION_TIMEOUT', retryable: true, hint: 'the cloud function hit its time limit; raise it in the cloud console if this repeats' },
  [-601001]: SYSTEM_BUSY,
  [-601003]: SYSTEM_BUSY,
  [-604101]: {
    code: 'OPENAPI_PERMISSION_DENIED',
    retryable: false,
    hint: 'list the open API in the function\'s config.json permissions.openapi and redeploy (the permission is cached about 10 minutes)',
  },
  [-604102]: { code: 'FUNCTION_TIMEOUT', retryable: true, hint: 'the open API call timed out; retry later' },
  40097: { code: 'REQUEST_INVALID', retryable: false, hint: 'WeChat refused a parameter (e.g. env_version or width); this is a client bug' },
  // getwxacodeunlimit's own scene errors (errmsg "invalid scene" / "invalid length for scene").
  40129: SCENE_INVALID,
  40169: SCENE_INVALID,
  // "invalid page": for getwxacodeunlimit the page is not in the released version (check_path), and for
  // subscribeMessage.send the deep-link page does not exist in the miniprogram_state version.
  41030: {
    code: 'PAGE_INVALID',
    retryable: false,
    hint: 'the page does not exist in that version: publish it, or (mini-program codes) set check_path false or pick env_version trial/develop for an unreleased build; the page has no leading / and no query',
  },
});

/** Token errors after which the cached token is dropped and the call retried once. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/**
 * A -504002 ("function execution failed") whose message says the run timed out is treated like -504003: the
 * documentation does not rule out WeChat reporting a timeout that way.
 */
const TIMEOUT_TEXT = /time ?out|timed out|超时/i;

export function classifyErrcode(errcode: number, errmsg: string): ErrcodeRule {
  const rule = ERRCODE_TABLE[errcode];
  if (errcode === -504002 && TIMEOUT_TEXT.test(errmsg)) {
    return { code: 'FUNCTION_TIMEOUT', retryable: true, hint: 'the cloud function hit its time limit; raise it in the cloud console if this repeats' };
  }
  return rule ?? { code: 'UNKNOWN_ERRCODE', retryable: false, hint: 'look the errcode up in the WeChat documentation' };
}
