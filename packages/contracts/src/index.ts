export { ASSIGNED_VIA, ASSIGNED_VIA_LABELS, assignedViaSchema } from './assigned-via.js';
export type { AssignedVia } from './assigned-via.js';
export {
  FUNCTION_EVENT_TYPES,
  MAX_ACTOR_NAME_LENGTH,
  MAX_LISTED_CUSTOMERS,
  MAX_NOTE_LENGTH,
  deliveryCustomerSchema,
  deliveryEventSchema,
  problemsOf,
} from './delivery-event.js';
export type { DeliveryCustomer, DeliveryEvent, DeliveryEventInput, FunctionEventType, Problem } from './delivery-event.js';
export { REASONS, REASON_CODES, isReasonCode, leavesFateUnknown, reasonOf } from './reasons.js';
export type { Disposition, Reason, ReasonCode } from './reasons.js';
export { REASON_WORDS } from './reason-words.js';
export {
  FUNCTION_ERROR_CODES,
  functionError,
  functionErrorSchema,
  sendBatchAnswerSchema,
  sendOneAnswerSchema,
  recallDeliveriesEventSchema,
  resultKindOf,
  sendResultSchema,
} from './send-result.js';
export type { FunctionError, FunctionErrorCode, RecallDeliveriesEvent, ResultKind, SendBatchAnswer, SendOneAnswer, SendResult } from './send-result.js';
export { DAY_MS, formatBeijingTime, startOfBeijingDay, startOfNextBeijingDay } from './time.js';
export { TOKEN_ERRCODES, WECHAT_APIS, WECHAT_API_ERRCODES, WECHAT_ERRCODES, WECOM_TOKEN_ERRCODES, reasonForErrcode } from './wechat-errcodes.js';
export type { WechatApi } from './wechat-errcodes.js';
export {
  applySubscriptionEventsAnswerSchema,
  applySubscriptionEventsSchema,
  subscriptionChangeSchema,
  subscriptionStateSchema,
} from './subscription-events.js';
export type { ApplySubscriptionEventsAnswer, SubscriptionChange, SubscriptionState } from './subscription-events.js';
export { MINIPROGRAM_PAGES } from './miniprogram-pages.js';
export { releaseBindingAnswerSchema, releaseBindingEventSchema } from './binding-events.js';
export type { ReleaseBindingAnswer, ReleaseBindingEvent } from './binding-events.js';
export { EMOJI_JOINED_SEQUENCES, emojiAwareCharacters } from './emoji-sequences.js';
export {
  SESSION_VOUCH_CLOCK_SKEW_SECONDS,
  SESSION_VOUCH_PREFIX,
  SESSION_VOUCH_TTL_SECONDS,
  sessionVouchClaimsSchema,
  vouchCrmSessionAnswerSchema,
} from './session-vouch.js';
export type { SessionVouchClaims, VouchCrmSessionAnswer } from './session-vouch.js';
export {
  SECRET_COMPARISONS,
  SETUP_PROBE_MAX_SKEW_SECONDS,
  SETUP_PROBE_PREFIX,
  checkSetupAnswerSchema,
  checkSetupEventSchema,
  setupProbeMessage,
  setupProbeSchema,
} from './setup-check.js';
export type { CheckSetupAnswer, CheckSetupEvent, SecretComparison, SetupProbe } from './setup-check.js';
