import { z } from 'zod';
import { REASON_CODES } from './reasons.js';

/**
 * The cloud function → notifier wire format: one result per delivery. Whether a result is final, worth
 * a retry or possibly sent is not on the wire: it follows from `reason` through the one reason table.
 */
/**
 * `unconfirmed`: the send may have reached the user (WeChat answered an error the table marks
 * `sendMayHaveGoneOut`, or an earlier run was stopped mid-send). Never sent again under the same delivery id.
 */
export const sendStatusSchema = z.enum(['sent', 'skipped', 'failed', 'unconfirmed']);
export type SendStatus = z.infer<typeof sendStatusSchema>;

export const sendResultSchema = z.object({
  deliveryId: z.string().min(1),
  status: sendStatusSchema,
  reason: z.enum(REASON_CODES),
  /** WeChat's errcode, when WeChat gave one. */
  errCode: z.number().int().optional(),
  message: z.string().optional(),
  sentAt: z.string().optional(),
  /** Whom it was (or may have been) sent to: matches WeChat's subscribe_msg_sent_event, which names only the openid. */
  openid: z.string().optional(),
});
export type SendResult = z.infer<typeof sendResultSchema>;

export const FUNCTION_ERROR_CODES = [
  'INVALID_EVENT',
  'UNKNOWN_TYPE',
  'FORBIDDEN',
  'CONFIG_INVALID',
  'TICKET_INVALID',
  'TICKET_EXPIRED',
  'TICKET_USED',
  'OPENID_BOUND_ELSEWHERE',
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

/** The answer to `sendBatchCustomerAssignNotification`: one result per delivery, in any order. */
export const sendBatchAnswerSchema = z.union([z.object({ ok: z.literal(true), results: z.array(sendResultSchema) }), functionErrorSchema]);
export type SendBatchAnswer = z.infer<typeof sendBatchAnswerSchema>;
