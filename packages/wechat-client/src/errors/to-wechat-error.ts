import { isAxiosError } from 'axios';
import { REASONS, reasonForErrcode, type WechatApi } from '@leadnotify/contracts';
import { redact } from './redact.js';
import { WechatError } from './wechat-error.js';

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_NETWORK',
]);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED']);

/** An errcode answered by `api` (named as in WECHAT_APIS), read with that API's own meanings first. */
export function errorFromErrcode(api: WechatApi, errcode: number, errmsg: string, secrets: string[]): WechatError {
  const safeErrmsg = redact(errmsg, secrets);
  const code = reasonForErrcode(errcode, safeErrmsg, api);
  const reason = REASONS[code];
  const path = `/${api}`;
  return new WechatError({
    code,
    retryable: reason.disposition === 'retry',
    api: path,
    errcode,
    errmsg: safeErrmsg,
    message: `WeChat ${path} answered ${errcode} (${safeErrmsg}): ${reason.fix}`,
  });
}

export function errorFromHttpStatus(api: string, status: number): WechatError {
  const retryable = status >= 500 || status === 429;
  return new WechatError({
    code: 'HTTP_STATUS',
    retryable,
    api,
    httpStatus: status,
    message: `WeChat ${api} answered HTTP ${status}${retryable ? '; retry later' : '; check WECHAT_API_BASE_URL'}`,
  });
}

export function badResponseError(api: string, what: string, retryable: boolean): WechatError {
  return new WechatError({ code: 'BAD_RESPONSE', retryable, api, message: `WeChat ${api} answered ${what}` });
}

/** Converts whatever the transport threw into a WechatError without keeping the transport's objects. */
export function errorFromTransport(api: string, thrown: unknown, timeoutMs: number, secrets: string[]): WechatError {
  if (thrown instanceof WechatError) return thrown;
  const networkCode = isAxiosError(thrown) ? thrown.code : undefined;
  if (networkCode && TIMEOUT_CODES.has(networkCode)) {
    return new WechatError({
      code: 'TIMEOUT',
      retryable: true,
      api,
      networkCode,
      message: `WeChat ${api} did not answer within ${timeoutMs} ms; retry later`,
    });
  }
  const detail = redact(thrown instanceof Error ? thrown.message : String(thrown), secrets);
  return new WechatError({
    code: 'NETWORK',
    retryable: networkCode === undefined || RETRYABLE_NETWORK_CODES.has(networkCode),
    api,
    networkCode,
    message: `WeChat ${api} could not be reached (${networkCode ?? 'no code'}: ${detail}); check WECHAT_API_BASE_URL and the network`,
  });
}
