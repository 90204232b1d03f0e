export type SendStatus = 'sent' | 'skipped' | 'failed';

export type SendReason =
  | 'SENT'
  | 'ALREADY_SENT'
  | 'NOT_BOUND'
  | 'NO_SUBSCRIPTION'
  | 'TEMPLATE_DATA_INVALID'
  | 'TEMPLATE_INVALID'
  | 'PAGE_INVALID'
  | 'OPENID_INVALID'
  | 'PERMISSION_DENIED'
  | 'WECHAT_ERROR'
  | 'IN_PROGRESS'
  | 'DEADLINE_EXCEEDED'
  | 'CONFIG_INVALID'
  | 'INVALID_NOTIFICATION';

/** One notification's outcome, as the CRM worker reads it. */
export interface SendResult {
  notificationId: string;
  status: SendStatus;
  reason: SendReason;
  errCode?: number;
  message?: string;
  retryable: boolean;
  sentAt?: string;
}

export type ErrorCode = 'INVALID_EVENT' | 'UNKNOWN_TYPE' | 'FORBIDDEN' | 'CONFIG_INVALID' | 'TICKET_INVALID' | 'TICKET_EXPIRED' | 'TICKET_USED' | 'INTERNAL_ERROR';

export interface ErrorResult {
  ok: false;
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function errorResult(code: ErrorCode, message: string, details?: unknown): ErrorResult {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}
