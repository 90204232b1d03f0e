import { z } from 'zod';

/**
 * The CRM → cloud function wire format for what WeChat's message push said about subscriptions
 * (`applySubscriptionEvents`). The function keeps the one count the send decision uses; the CRM receives the
 * pushes (only a server URL can) and forwards them, then mirrors the states the function answers.
 */
export const subscriptionChangeSchema = z.object({
  /** The CRM's id for this change (the push and the item in its List): applied at most once. */
  key: z.string().min(1).max(200),
  openid: z.string().min(1).max(128),
  templateId: z.string().min(1).max(128),
  /** accept: one more message allowed (subscribe_msg_popup_event); turn-off: none until accepted again (subscribe_msg_change_event reject). */
  change: z.enum(['accept', 'turn-off']),
});
export type SubscriptionChange = z.infer<typeof subscriptionChangeSchema>;

export const applySubscriptionEventsSchema = z.object({ changes: z.array(subscriptionChangeSchema).min(1).max(100) });

export const subscriptionStateSchema = z.object({
  openid: z.string(),
  templateId: z.string(),
  /** Messages WeChat allows as far as its pushes told us. */
  remaining: z.number().int(),
  /** WeChat refused (43101) or the user turned the template off, and nothing was accepted since. */
  refused: z.boolean(),
  /** The CRM user this WeChat user is bound to, if any. */
  crmUserId: z.string().optional(),
  /** Goes up with every change of the count: of two answers, the higher version is the newer. */
  version: z.number().int(),
});
export type SubscriptionState = z.infer<typeof subscriptionStateSchema>;

export const applySubscriptionEventsAnswerSchema = z.union([
  z.object({ ok: z.literal(true), states: z.array(subscriptionStateSchema) }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) }),
]);
export type ApplySubscriptionEventsAnswer = z.infer<typeof applySubscriptionEventsAnswerSchema>;
