import { z } from 'zod';
import { functionErrorSchema } from './send-result.js';

/**
 * A session vouch: the cloud function's signed statement "the WeChat user calling me (openid `oid`, which WeChat itself
 * told me) is bound to CRM user `uid`", which crm-api's POST /api/wechat-session exchanges, once, for a short-lived CRM
 * token. Format: "v1." + base64url(JSON claims) + "." + base64url(HMAC-SHA256(LEADNOTIFY_SHARED_SECRET,
 * SESSION_VOUCH_PREFIX + <the base64url payload>)). The prefix keeps a vouch from ever verifying as a binding ticket
 * ("leadnotify-bind.v1.") or a signed send ("leadnotify-send.v2.") made with the same secret, and the reverse.
 */
export const SESSION_VOUCH_PREFIX = 'leadnotify-session.v1.';

/** How long a vouch is good for: long enough to reach the CRM from a phone, short enough that a copy is soon worthless. */
export const SESSION_VOUCH_TTL_SECONDS = 60;

/** Clock difference tolerated between the cloud and the CRM server when checking a vouch's times. */
export const SESSION_VOUCH_CLOCK_SKEW_SECONDS = 60;

export const sessionVouchClaimsSchema = z.object({
  /** The CRM user the openid is bound to. */
  uid: z.string().min(1).max(128),
  /** The caller's openid, from cloud.getWXContext() — never from the event. */
  oid: z.string().min(1).max(128),
  /** When that binding was made (ISO), as the function recorded it. */
  bat: z.string().min(1).max(64),
  /** Issued and expiry times, epoch seconds. */
  iat: z.number().int(),
  exp: z.number().int(),
  /** Random: makes every vouch single-use (the CRM remembers the nonces it exchanged). */
  nonce: z.string().min(16).max(128),
});
export type SessionVouchClaims = z.infer<typeof sessionVouchClaimsSchema>;

/** The answer to `vouchCrmSession`; NOT_BOUND when the caller's WeChat is bound to no CRM user. */
export const vouchCrmSessionAnswerSchema = z.union([
  z.object({ ok: z.literal(true), vouch: z.string(), crmUserId: z.string(), expiresAt: z.string() }),
  functionErrorSchema,
]);
export type VouchCrmSessionAnswer = z.infer<typeof vouchCrmSessionAnswerSchema>;
