import { z } from 'zod';
import { functionErrorSchema } from './send-result.js';

/**
 * The CRM → cloud function wire format for bindings the CRM itself changes. The mini program binds and unbinds its
 * own WeChat user (`bindCrmUser`, `unbindCrmUser`); `releaseBinding` is the server's: a CRM admin unbinds the WeChat
 * of a salesperson who left, who cannot be asked to do it from their phone.
 */
export const releaseBindingEventSchema = z.object({ crmUserId: z.string().trim().min(1).max(128) });
export type ReleaseBindingEvent = z.infer<typeof releaseBindingEventSchema>;

/** `released`: false when nothing tied a WeChat user to the CRM user any more (it is idempotent). */
export const releaseBindingAnswerSchema = z.union([z.object({ ok: z.literal(true), released: z.boolean() }), functionErrorSchema]);
export type ReleaseBindingAnswer = z.infer<typeof releaseBindingAnswerSchema>;
