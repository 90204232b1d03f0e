import { DomainError, type DomainErrorCode } from '../domain/errors.js';

/** Codes only the HTTP layer answers with: the request itself was wrong, or we were. */
type HttpErrorCode =
  | 'MALFORMED_REQUEST'
  | 'REQUEST_TIMEOUT'
  | 'HEADERS_TOO_LARGE'
  | 'INVALID_JSON'
  | 'ROUTE_NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_MANY_FAILED_AUTHENTICATIONS'
  | 'CSRF_REJECTED'
  | 'TOO_MANY_SIGN_IN_SCANS'
  | 'INTERNAL_ERROR'
  | 'DATABASE_UNAVAILABLE';

export type ApiErrorCode = DomainErrorCode | HttpErrorCode;

/** Every error code the API answers with, and its HTTP status. A new code does not compile without a status. */
const STATUS_BY_CODE = {
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  INVALID_JSON: 400,
  BATCH_TOO_LARGE: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  ROUTE_NOT_FOUND: 404,
  CUSTOMER_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  NOTIFICATION_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  CUSTOMER_NOT_IN_POOL: 409,
  CUSTOMER_ALREADY_IN_POOL: 409,
  VERSION_CONFLICT: 409,
  NOTIFICATION_NOT_RETRYABLE: 409,
  WECOM_USER_ID_TAKEN: 409,
  WECOM_USER_NOT_FOUND: 404,
  WECOM_NOT_CONFIGURED: 503,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ASSIGNEE_INACTIVE: 422,
  USER_INACTIVE: 422,
  NOT_A_SALES_USER: 422,
  POOL_MAX_OWNED_REACHED: 422,
  POOL_DAILY_CLAIMS_REACHED: 422,
  POOL_RECLAIM_COOLDOWN: 422,
  TOO_MANY_FAILED_AUTHENTICATIONS: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  DATABASE_UNAVAILABLE: 503,
  BINDING_NOT_CONFIGURED: 503,
  SCENE_INVALID: 404,
  SCENE_USED: 409,
  SCENE_EXPIRED: 410,
  TOO_MANY_BINDING_CODES: 429,
  WECHAT_REFUSED: 502,
  PUSH_REFUSED: 403,
  PUSH_NOT_CONFIGURED: 404,
  WECHAT_NOT_CONFIGURED: 503,
  CSRF_REJECTED: 403,
  TOO_MANY_SIGN_IN_SCANS: 429,
  LINK_INVALID: 404,
  LINK_USED: 409,
  LINK_EXPIRED: 410,
  SCAN_INVALID: 404,
  SCAN_USED: 409,
  SCAN_EXPIRED: 410,
} as const satisfies Record<ApiErrorCode, number>;

export const API_ERROR_CODES = Object.keys(STATUS_BY_CODE) as [ApiErrorCode, ...ApiErrorCode[]];

export interface ApiErrorOptions {
  code: ApiErrorCode;
  message: string;
  details?: unknown;
  cause?: unknown;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(options: ApiErrorOptions) {
    super(options.message, { cause: options.cause });
    this.code = options.code;
    this.status = STATUS_BY_CODE[options.code];
    this.details = options.details;
  }
}

export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; details?: unknown };
}

/** The one place an unknown throw becomes an ApiError. */
export function toApiError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  if (thrown instanceof DomainError) {
    return new ApiError({ code: thrown.code, message: thrown.message, details: thrown.details, cause: thrown.cause });
  }
  const bodyParserType = (thrown as { type?: unknown } | null)?.type;
  if (bodyParserType === 'entity.parse.failed') {
    return new ApiError({ code: 'INVALID_JSON', message: 'The request body is not valid JSON' });
  }
  if (bodyParserType === 'entity.too.large') {
    return new ApiError({ code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' });
  }
  if (bodyParserType === 'encoding.unsupported' || bodyParserType === 'charset.unsupported') {
    return new ApiError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request body encoding is not supported' });
  }
  // The router could not decode a %-escape in the path (express marks it 400).
  if (thrown instanceof URIError) {
    return new ApiError({ code: 'VALIDATION_FAILED', message: 'The request path has a malformed %-escape', details: [{ path: 'params', message: 'malformed percent-encoding' }] });
  }
  // Any other client error body-parser or the router flagged (an aborted or malformed body): a 400, never a 500.
  const status = (thrown as { status?: unknown; expose?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (thrown as { expose?: unknown }).expose === true) {
    return new ApiError({ code: 'INVALID_JSON', message: 'The request body could not be read', cause: thrown });
  }
  return new ApiError({ code: 'INTERNAL_ERROR', message: 'Something went wrong on our side', cause: thrown });
}

export function errorBody(error: ApiError): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}
