/** Big-number chunks of bignumber.js: the first as is, each further one 14 digits. */
const CHUNK_DIGITS = 14;
const MAX_DIGITS = 32;

/**
 * WeChat's MsgID from the `msgid` a `subscribeMessage.send` answer may carry (community reports; not in the official
 * doc), as the digits the delivery receipt's MsgID has — or undefined when there is none or it cannot be read exactly.
 *
 * MsgIDs are 19-digit numbers, past what a JS number holds exactly. wx-server-sdk 4.x parses open-API answers with
 * json-bigint (`useNativeBigInt: false`: more than 15 digits become a bignumber.js BigNumber), then copies every
 * object field by field to convert key case, which leaves a plain `{s, e, c}` without BigNumber's methods
 * (wx-server-sdk index.js, callWXOpenAPI and utils convertCase). So `String(msgid)` would be "[object Object]":
 * the digits are rebuilt from the sign `s`, exponent `e` and base-1e14 coefficient `c`, trailing zero chunks dropped.
 * A plain number past 2^53 has already lost digits and is left out rather than matched to the wrong receipt.
 */
export function msgIdOf(msgid: unknown): string | undefined {
  if (typeof msgid === 'string') return /^\d+$/.test(msgid) && msgid.length <= MAX_DIGITS ? msgid : undefined;
  if (typeof msgid === 'bigint') return msgid >= 0n ? String(msgid) : undefined;
  if (typeof msgid === 'number') return Number.isSafeInteger(msgid) && msgid >= 0 ? String(msgid) : undefined;
  if (msgid === null || typeof msgid !== 'object') return undefined;
  const { s, e, c } = msgid as { s?: unknown; e?: unknown; c?: unknown };
  if (s !== 1 || typeof e !== 'number' || !Number.isInteger(e) || e < 0 || e >= MAX_DIGITS || !Array.isArray(c) || c.length === 0) return undefined;
  if (!c.every((chunk) => Number.isSafeInteger(chunk) && chunk >= 0)) return undefined;
  const digits = String(c[0]) + c.slice(1).map((chunk) => String(chunk).padStart(CHUNK_DIGITS, '0')).join('');
  // More digits than the exponent allows would be a fraction: not an id.
  return digits.length <= e + 1 ? digits.padEnd(e + 1, '0') : undefined;
}
