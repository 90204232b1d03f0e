/**
 * Every way a kit step can end other than success. The pages turn a code into words through the
 * tables in bind-messages.ts and customer-messages.ts; nothing else decides what the user reads.
 */
export type KitErrorCode =
  // From the CRM's scene exchange (POST /api/wechat-binding/scene/exchange).
  | 'SCENE_INVALID'
  | 'SCENE_EXPIRED'
  | 'SCENE_USED'
  // From the cloud function's bindCrmUser.
  | 'TICKET_INVALID'
  | 'TICKET_EXPIRED'
  | 'TICKET_USED'
  | 'OPENID_BOUND_ELSEWHERE'
  // Signing in (crm-session.ts): the caller's WeChat is bound to no CRM user, or an admin released the binding.
  | 'NOT_BOUND'
  // From any CRM route.
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  // The request never got an answer: the host's request function or wx.cloud.callFunction failed.
  | 'NETWORK'
  // An answer the kit does not understand, or an error the user cannot fix (function CONFIG_INVALID, 5xx).
  | 'SERVICE_ERROR'
  // The host app did not provide getApp().leadnotify.
  | 'KIT_NOT_CONFIGURED';

export interface KitErrorOptions {
  code: KitErrorCode;
  message: string;
  cause?: unknown;
}

export class KitError extends Error {
  override readonly name = 'KitError';
  readonly code: KitErrorCode;

  constructor(options: KitErrorOptions) {
    super(options.message);
    this.code = options.code;
    // Set by hand: the mini-program build targets ES2019, whose Error constructor takes no {cause}.
    if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** The one place an unknown throw becomes a KitError: anything unexpected is a service error. */
export function toKitError(thrown: unknown): KitError {
  if (thrown instanceof KitError) return thrown;
  return new KitError({ code: 'SERVICE_ERROR', message: thrown instanceof Error ? thrown.message : String(thrown), cause: thrown });
}
