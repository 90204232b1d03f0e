import { z } from 'zod';
import { REASONS, REASON_CODES, type Disposition, type Reason, type ReasonCode } from './reasons.js';

/**
 * The cloud function → notifier wire format: one result per delivery. The result carries a reason and nothing
 * beside it that could disagree: what the reason means — sent, maybe sent, skipped, worth a retry — follows from it
 * through the one reason table (`resultKindOf`).
 */
export const sendResultSchema = z.object({
  deliveryId: z.string().min(1),
  reason: z.enum(REASON_CODES),
  /** WeChat's errcode, when WeChat gave one. */
  errCode: z.number().int().optional(),
  message: z.string().optional(),
  sentAt: z.string().optional(),
  /** Whom it was (or may have been) sent to: WeChat's subscribe_msg_sent_event names the openid. */
  openid: z.string().optional(),
  /** The template it was (or may have been) sent with: a delivery receipt names it too. */
  templateId: z.string().optional(),
  /** WeChat's MsgID, when the send answer carried one (not documented, and not always): the receipt's MsgID names it. */
  msgId: z.string().optional(),
});
export type SendResult = z.infer<typeof sendResultSchema>;

/**
 * What a result means, by its reason: `unconfirmed` when the send itself answered something after which the
 * message may have reached the user (never sent again under the same delivery id); otherwise the reason's
 * disposition.
 */
export type ResultKind = 'unconfirmed' | Disposition;

export function resultKindOf(reason: ReasonCode): ResultKind {
  const known: Reason = REASONS[reason];
  return known.sendMayHaveGoneOut ? 'unconfirmed' : known.disposition;
}

export const FUNCTION_ERROR_CODES = [
  'INVALID_EVENT',
  'UNKNOWN_TYPE',
  'FORBIDDEN',
  'CONFIG_INVALID',
  'TICKET_INVALID',
  'TICKET_EXPIRED',
  'TICKET_USED',
  'OPENID_BOUND_ELSEWHERE',
  'NOT_BOUND',
  'INTERNAL_ERROR',
] as const satisfies readonly (typeof REASON_CODES)[number][];
export type FunctionErrorCode = (typeof FUNCTION_ERROR_CODES)[number];

export const functionErrorSchema = z.object({
  ok: z.literal(false),
  error: z.object({ code: z.enum(FUNCTION_ERROR_CODES), message: z.string(), details: z.unknown().optional() }),
});
export type FunctionError = z.infer<typeof functionErrorSchema>;

export function functionError(code: FunctionErrorCode, message: string, details?: unknown): FunctionError {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}

/** The answer to `sendCustomerAssignNotification`. */
export const sendOneAnswerSchema = z.union([z.object({ ok: z.literal(true), result: sendResultSchema }), functionErrorSchema]);
export type SendOneAnswer = z.infer<typeof sendOneAnswerSchema>;

/** The answer to `sendBatchCustomerAssignNotification` and `recallDeliveries`: one result per delivery, in any order. */
export const sendBatchAnswerSchema = z.union([z.object({ ok: z.literal(true), results: z.array(sendResultSchema) }), functionErrorSchema]);
export type SendBatchAnswer = z.infer<typeof sendBatchAnswerSchema>;

/**
 * `recallDeliveries`: the CRM no longer wants these deliveries to go out (their customers went to someone else, or
 * the salesperson left) but an earlier attempt may have reached the function. For each id the function answers what
 * it recorded — sent (ALREADY_SENT), maybe sent (its reason), being sent now (IN_PROGRESS), stopped mid-send
 * (SEND_INTERRUPTED) — or, when it never sent it, records it withdrawn for good (RECALLED: a later send of the id is
 * answered RECALLED, never sent).
 */
export const recallDeliveriesEventSchema = z.object({ deliveryIds: z.array(z.string().min(1).max(128)).min(1).max(100) });
export type RecallDeliveriesEvent = z.infer<typeof recallDeliveriesEventSchema>;
