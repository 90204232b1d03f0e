import type { KeywordType } from 'quickstartFunctions';

/**
 * What WeChat accepts per keyword type (sendMessage, "keyword value rules"; see shared WECHAT.md). Lengths
 * are counted in UTF-16 units, the strictest reading, so the emulator is never more lenient than WeChat.
 */
const DATE = String.raw`(\d{4}-\d{1,2}-\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)`;
const TIME = String.raw`([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?`;
const TIME_VALUE = new RegExp(`^(${DATE} )?${TIME}$`);
const DATE_VALUE = new RegExp(`^${DATE}( ${TIME})?$`);

/**
 * The strictest reading of "Chinese, digits, letters, symbols" for text keywords: no emoji (nor their
 * variation selectors, keycaps, skin tones, flags), no zero-width characters (U+200B–U+200F, U+2060,
 * U+FEFF), no bidi controls (U+202A–U+202E, U+2066–U+2069), no control characters. WeChat documents none of
 * these as allowed; developers report 47003 for unusual characters.
 */
const NOT_PLAIN_TEXT =
  /\p{Cc}|[\u200b-\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069\ufe00-\ufe0f\u20e3]|\p{Extended_Pictographic}|[\u{1f1e6}-\u{1f1ff}\u{1f3fb}-\u{1f3ff}]/u;
const plainText = (v: string) => !NOT_PLAIN_TEXT.test(v);

function ranged(pattern: RegExp): (value: string) => boolean {
  return (value) => value.split('~').every((part) => pattern.test(part.trim()));
}

export const KEYWORD_RULES: Record<KeywordType, (value: string) => boolean> = {
  thing: (v) => v.length >= 1 && v.length <= 20 && plainText(v),
  number: (v) => /^\d+(\.\d+)?$/.test(v) && v.replace('.', '').length <= 32,
  letter: (v) => /^[A-Za-z]{1,32}$/.test(v),
  symbol: (v) => /^[^\p{L}\p{N}\s]{1,5}$/u.test(v),
  character_string: (v) => /^[!-~]{1,32}$/.test(v),
  time: ranged(TIME_VALUE),
  date: ranged(DATE_VALUE),
  amount: (v) => /^[¥$€£]\d+(\.\d+)?元?$/.test(v) && v.replace(/[^\d]/g, '').length <= 10,
  // Digits or symbols: a masked number (138****0000) is allowed.
  phone_number: (v) => /^[\d+\-()*]{1,17}$/.test(v),
  car_number: (v) => {
    const chars = Array.from(v);
    return chars.length >= 1 && chars.length <= 8 && chars.every((c, i) => /[A-Za-z0-9]/.test(c) || ((i === 0 || i === chars.length - 1) && /\p{Script=Han}/u.test(c)));
  },
  name: (v) => v.length >= 1 && plainText(v) && (/[^\x20-\x7e]/.test(v) ? v.length <= 10 : v.length <= 20),
  phrase: (v) => /^\p{Script=Han}{1,5}$/u.test(v),
};
