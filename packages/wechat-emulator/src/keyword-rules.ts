import type { KeywordType } from 'quickstartFunctions';

/**
 * What WeChat accepts per keyword type (sendMessage, "keyword value rules"; see shared WECHAT.md), in the
 * strictest reading, so the emulator is never more lenient than WeChat. Lengths are counted in UTF-16 units.
 */
const DATE = String.raw`(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})年(\d{1,2})月(\d{1,2})日`;
const TIME = String.raw`([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?`;
const TIME_VALUE = new RegExp(`^((?:${DATE}) )?${TIME}$`);
const DATE_VALUE = new RegExp(`^(?:${DATE})( ${TIME})?$`);
const DATE_IN_VALUE = new RegExp(`^(?:${DATE})`);

/** A date that exists on the calendar: 2026-02-29 and 2026-13-45 do not. */
function realDate(value: string): boolean {
  const match = DATE_IN_VALUE.exec(value);
  if (!match) return true;
  const [year, month, day] = (match[1] === undefined ? match.slice(4, 7) : match.slice(1, 4)).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** One point in time, or a range of exactly two joined by `~` ("两个时间点之间用~连接"), nothing around the `~`. */
function pointOrRange(pattern: RegExp): (value: string) => boolean {
  return (value) => {
    const parts = value.split('~');
    return parts.length <= 2 && parts.every((part) => pattern.test(part) && realDate(part));
  };
}

/**
 * "Chinese, digits, letters, symbols" read as an allow-list: letters (Han included), digits, punctuation and
 * symbols, and the ASCII space. Everything else is refused: control and format characters (zero-width, bidi
 * marks and controls, soft hyphen, invisible operators), combining marks, separators other than the space,
 * private-use and unassigned code points, lone surrogates. WeChat documents none of them as allowed, and
 * developers report 47003 for unusual characters.
 */
const TEXT_CHARACTERS = /^[\p{L}\p{N}\p{P}\p{S} ]*$/u;
/** Symbols that are still not text: emoji (and their variation selectors, keycaps, skin tones, flags). */
const EMOJI = /\p{Extended_Pictographic}|[\ufe00-\ufe0f\u20e3]|[\u{1f1e6}-\u{1f1ff}\u{1f3fb}-\u{1f3ff}]/u;
const plainText = (v: string) => TEXT_CHARACTERS.test(v) && !EMOJI.test(v);

export const KEYWORD_RULES: Record<KeywordType, (value: string) => boolean> = {
  thing: (v) => v.length >= 1 && v.length <= 20 && plainText(v),
  number: (v) => /^\d+(\.\d+)?$/.test(v) && v.replace('.', '').length <= 32,
  letter: (v) => /^[A-Za-z]{1,32}$/.test(v),
  // Punctuation and symbols only, no emoji, at most 5 UTF-16 units like every other length here.
  symbol: (v) => v.length >= 1 && v.length <= 5 && /^[\p{P}\p{S}]+$/u.test(v) && !EMOJI.test(v),
  character_string: (v) => /^[!-~]{1,32}$/.test(v),
  time: pointOrRange(TIME_VALUE),
  date: pointOrRange(DATE_VALUE),
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
