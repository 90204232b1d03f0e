/**
 * Every way a domain rule can refuse a request. The domain knows no HTTP: http/api-error.ts maps each code
 * to a status, and a new code does not compile until it has one.
 */
export const DOMAIN_ERROR_CODES = [
  'VALIDATION_FAILED',
  'BATCH_TOO_LARGE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CUSTOMER_NOT_FOUND',
  'USER_NOT_FOUND',
  'NOTIFICATION_NOT_FOUND',
  'TOKEN_NOT_FOUND',
  'CUSTOMER_NOT_IN_POOL',
  'CUSTOMER_ALREADY_IN_POOL',
  'VERSION_CONFLICT',
  'NOTIFICATION_NOT_RETRYABLE',
  'WECOM_USER_ID_TAKEN',
  'WECOM_USER_NOT_FOUND',
  'WECOM_NOT_CONFIGURED',
  'ASSIGNEE_INACTIVE',
  'USER_INACTIVE',
  'NOT_A_SALES_USER',
  'POOL_MAX_OWNED_REACHED',
  'POOL_DAILY_CLAIMS_REACHED',
  'POOL_RECLAIM_COOLDOWN',
  'BINDING_NOT_CONFIGURED',
  'SCENE_INVALID',
  'SCENE_EXPIRED',
  'SCENE_USED',
  'TOO_MANY_BINDING_CODES',
  'WECHAT_NOT_CONFIGURED',
  'WECHAT_REFUSED',
  'PUSH_REFUSED',
  'PUSH_NOT_CONFIGURED',
  'LINK_INVALID',
  'LINK_USED',
  'LINK_EXPIRED',
  'SCAN_INVALID',
  'SCAN_USED',
  'SCAN_EXPIRED',
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export interface DomainErrorOptions {
  code: DomainErrorCode;
  message: string;
  details?: unknown;
  cause?: unknown;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly code: DomainErrorCode;
  readonly details: unknown;

  constructor(options: DomainErrorOptions) {
    super(options.message, { cause: options.cause });
    this.code = options.code;
    this.details = options.details;
  }
}
