import { canonicalJson, fromBase64Url, hmacSha256, sameBytes } from './hmac.js';

/** Domain-separates send signatures from binding tickets made with the same secret. */
const SEND_PREFIX = 'leadnotify-send.v1.';

/**
 * `signature` = base64url(HMAC-SHA256(secret, "leadnotify-send.v1." + canonical JSON of the event
 * without its signature)). Lets a trusted caller that is not the HTTP API (e.g. another cloud function)
 * use the send types.
 */
export function verifyEventSignature(event: Record<string, unknown>, secret: string): boolean {
  const signature = event.signature;
  if (typeof signature !== 'string' || signature === '') return false;
  const unsigned: Record<string, unknown> = { ...event };
  delete unsigned.signature;
  return sameBytes(fromBase64Url(signature), hmacSha256(secret, SEND_PREFIX + canonicalJson(unsigned)));
}
