export type WechatErrorCode =
  | 'SYSTEM_BUSY'
  | 'TOKEN_REJECTED'
  | 'REQUEST_INVALID'
  | 'APPID_INVALID'
  | 'APPSECRET_INVALID'
  | 'IP_NOT_WHITELISTED'
  | 'ADMIN_CONFIRMATION_REQUIRED'
  | 'DAILY_QUOTA_EXCEEDED'
  | 'RATE_LIMITED'
  | 'CLOUD_NOT_ENABLED'
  | 'CLOUD_ENV_INVALID'
  | 'CLOUD_QUOTA_EXCEEDED'
  | 'FUNCTION_NOT_FOUND'
  | 'FUNCTION_FAILED'
  | 'FUNCTION_TIMEOUT'
  | 'OPENAPI_PERMISSION_DENIED'
  | 'PAGE_INVALID'
  | 'SCENE_INVALID'
  | 'UNKNOWN_ERRCODE'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'HTTP_STATUS'
  | 'BAD_RESPONSE';

export interface WechatErrorOptions {
  code: WechatErrorCode;
  message: string;
  retryable: boolean;
  /** The WeChat path called, without query string (never carries the token). */
  api: string;
  errcode?: number;
  errmsg?: string;
  httpStatus?: number;
  /** Network error code such as ECONNRESET or ECONNABORTED. */
  networkCode?: string;
}

/**
 * The one error the client throws. Every field is safe to log: messages and errmsg are redacted
 * before construction and no transport object (which would carry URLs and bodies) is attached.
 */
export class WechatError extends Error {
  override readonly name = 'WechatError';
  readonly code: WechatErrorCode;
  readonly retryable: boolean;
  readonly api: string;
  readonly errcode: number | undefined;
  readonly errmsg: string | undefined;
  readonly httpStatus: number | undefined;
  readonly networkCode: string | undefined;

  constructor(options: WechatErrorOptions) {
    super(options.message);
    this.code = options.code;
    this.retryable = options.retryable;
    this.api = options.api;
    this.errcode = options.errcode;
    this.errmsg = options.errmsg;
    this.httpStatus = options.httpStatus;
    this.networkCode = options.networkCode;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      api: this.api,
      errcode: this.errcode,
      errmsg: this.errmsg,
      httpStatus: this.httpStatus,
      networkCode: this.networkCode,
    };
  }
}

export function isWechatError(value: unknown): value is WechatError {
  return value instanceof WechatError;
}
