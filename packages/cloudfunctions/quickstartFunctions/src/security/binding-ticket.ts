import { fromBase64Url, hmacSha256, sameBytes } from './hmac.js';

const TICKET_PREFIX = 'leadnotify-bind.v1.';
/** Tolerated clock difference between the CRM server and the cloud. */
const CLOCK_SKEW_MS = 60_000;

export interface BindingTicketClaims {
  crmUserId: string;
  nonce: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

export type TicketCheck =
  | { ok: true; claims: BindingTicketClaims }
  | { ok: false; code: 'TICKET_INVALID' | 'TICKET_EXPIRED'; message: string };

/**
 * Ticket format, issued by crm-api's POST /api/me/wechat-binding-ticket:
 * "v1." + base64url(JSON {uid, iat, exp, nonce}) + "." + base64url(HMAC-SHA256(secret,
 * "leadnotify-bind.v1." + <the base64url payload>)), with iat/exp in epoch seconds.
 */
export function verifyBindingTicket(ticket: unknown, secret: string, nowMs: number, maxAgeMs: number): TicketCheck {
  const invalid = (message: string): TicketCheck => ({ ok: false, code: 'TICKET_INVALID', message });
  if (typeof ticket !== 'string' || ticket.length > 2048) return invalid('ticket must be a string');
  const parts = ticket.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1' || !parts[1] || !parts[2]) return invalid('ticket is malformed');
  const [, payloadPart, signaturePart] = parts as [string, string, string];
  if (!sameBytes(fromBase64Url(signaturePart), hmacSha256(secret, TICKET_PREFIX + payloadPart))) {
    return invalid('ticket signature does not match');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(fromBase64Url(payloadPart).toString('utf8'));
  } catch {
    return invalid('ticket payload is not JSON');
  }
  const { uid, iat, exp, nonce } = (payload ?? {}) as Record<string, unknown>;
  if (typeof uid !== 'string' || uid === '' || typeof iat !== 'number' || typeof exp !== 'number' || typeof nonce !== 'string' || nonce === '') {
    return invalid('ticket payload lacks uid, iat, exp or nonce');
  }
  const issuedAtMs = iat * 1000;
  const expiresAtMs = exp * 1000;
  if (issuedAtMs > nowMs + CLOCK_SKEW_MS || expiresAtMs - issuedAtMs > maxAgeMs) return invalid('ticket times are not plausible');
  if (expiresAtMs <= nowMs) return { ok: false, code: 'TICKET_EXPIRED', message: 'ticket expired; ask the CRM for a new one' };
  return { ok: true, claims: { crmUserId: uid, nonce, issuedAtMs, expiresAtMs } };
}
