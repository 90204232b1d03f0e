import { canonicalJson, fromBase64Url, hmacSha256, sameBytes } from './hmac.js';

/** Domain-separates send signatures from binding tickets and session vouches made with the same secret. */
const SEND_PREFIX = 'leadnotify-send.v2.';
/** How far `signedAt` may be from the function's clock, either way: a captured event is refused after this. */
export const SIGNED_EVENT_MAX_SKEW_SECONDS = 300;

/**
 * `signature` = base64url(HMAC-SHA256(secret, "leadnotify-send.v2." + canonical JSON of the event without its
 * signature)), and the event carries `signedAt` (Unix seconds) within SIGNED_EVENT_MAX_SKEW_SECONDS of now. Lets a
 * trusted caller that is not the HTTP API (e.g. another cloud function) use the send types; an event captured on its
 * way works only for those minutes (and a send replayed inside them is the same delivery id, which goes out once).
 */
export function verifyEventSignature(event: Record<string, unknown>, secret: string, nowMs: number): boolean {
  const signature = event.signature;
  const signedAt = event.signedAt;
  if (typeof signature !== 'string' || signature === '') return false;
  if (typeof signedAt !== 'number' || !Number.isInteger(signedAt) || Math.abs(nowMs / 1000 - signedAt) > SIGNED_EVENT_MAX_SKEW_SECONDS) return false;
  const unsigned: Record<string, unknown> = { ...event };
  delete unsigned.signature;
  return sameBytes(fromBase64Url(signature), hmacSha256(secret, SEND_PREFIX + canonicalJson(unsigned)));
}
