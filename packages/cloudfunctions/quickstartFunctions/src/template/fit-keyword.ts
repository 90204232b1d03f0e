import { EMOJI_JOINED_SEQUENCES, emojiAwareCharacters } from '@leadnotify/contracts';
import type { KeywordType } from './keyword-types.js';

/**
 * Fits a value to a keyword type's documented rule so WeChat does not answer 47003
 * (subscribeMessage.send, "keyword value rules"). Lengths are checked in UTF-16 units, which is never
 * more lenient than counting characters: an emoji counts as two.
 */
export function fitKeyword(type: KeywordType, raw: string, options: TextOptions = {}): string {
  const text = cleanText(raw, options);
  switch (type) {
    case 'thing':
      return truncate(text, 20, true) || '无';
    case 'name': {
      // Mixed text counts as Chinese: 10 characters; pure letters/symbols: 20. After a 47003 only what a name rule
      // surely takes: Chinese characters and letters (the digest's "王经理等2人" is "王经理等人"), else the first render
      // would be sent again as it was and the lead's message lost to its text.
      const kept = options.conservative ? onlyMatching(text, /\p{Script=Han}|[A-Za-z ·]/u).replace(/\s+/g, ' ').trim() : text;
      return truncate(kept, /[^\x20-\x7e]/.test(kept) ? 10 : 20, false) || '无';
    }
    case 'phrase':
      return truncate(onlyMatching(text, /\p{Script=Han}/u), 5, false) || '无';
    case 'character_string':
      return truncate(onlyMatching(text, /[!-~]/), 32, false) || '-';
    case 'letter':
      return truncate(onlyMatching(text, /[A-Za-z]/), 32, false) || 'N';
    case 'symbol':
      return truncate(onlyMatching(text, /[!-/:-@[-`{-~]/), 5, false) || '-';
    case 'number':
      return fitNumber(text, 32) || '0';
    case 'amount':
      return `¥${fitNumber(text, 10) || '0'}`;
    case 'phone_number':
      return truncate(onlyMatching(text, /[0-9+\-()*]/), 17, false) || '-';
    case 'car_number':
      return fitCarNumber(text);
    case 'time':
    case 'date':
      return text;
  }
}

export interface TextOptions {
  /** After a 47003 for a value: keep only characters every text keyword is known to take. */
  conservative?: boolean;
}

/** Control characters (shown as a space) and invisible ones: zero-width, joiners (outside an emoji sequence), BOM, bidi controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;
const INVISIBLE = /[\u200b-\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]/g;
/**
 * Emoji (with their variation selectors, keycaps, skin tones) and other symbols outside the BMP (rare Han
 * stays), and anything that is not a letter, digit, punctuation, symbol or whitespace: format characters
 * (soft hyphen, bidi marks, invisible operators), combining marks, private-use and unassigned code points,
 * lone surrogates.
 */
const NOT_CONSERVATIVE = /\p{Extended_Pictographic}|[\ufe00-\ufe0f\u20e3]|(?![\p{L}\p{N}])[\u{10000}-\u{10ffff}]|[^\p{L}\p{N}\p{P}\p{S}\s]/gu;

/**
 * Removes control and invisible characters, which no keyword type accepts and a reader cannot see (a bidi
 * override can even reorder the text shown), except the joiners of an emoji ZWJ sequence (👨‍👩‍👧‍👦 would
 * otherwise show as four people); collapses whitespace. `conservative` keeps only what WeChat's
 * rule for text ("Chinese, digits, letters, symbols") surely covers, after composing accents (NFC) so that
 * an accented letter stays a letter.
 */
export function cleanText(raw: string, options: TextOptions = {}): string {
  let text = withoutInvisible(raw.replace(CONTROL, ' '));
  if (options.conservative) text = text.normalize('NFC').replace(NOT_CONSERVATIVE, '');
  return text.replace(/\s+/g, ' ').trim();
}

function withoutInvisible(text: string): string {
  let kept = '';
  let from = 0;
  for (const sequence of text.matchAll(EMOJI_JOINED_SEQUENCES)) {
    kept += text.slice(from, sequence.index).replace(INVISIBLE, '') + sequence[0];
    from = sequence.index + sequence[0].length;
  }
  return kept + text.slice(from).replace(INVISIBLE, '');
}

/**
 * Cuts to at most `limit` UTF-16 units between characters as a reader sees them: never half an emoji, and never
 * part of a ZWJ sequence, which would show another emoji (👨‍👩 of 👨‍👩‍👧‍👦).
 */
export function truncate(text: string, limit: number, withEllipsis: boolean): string {
  if (text.length <= limit) return text;
  const budget = withEllipsis ? limit - 1 : limit;
  let result = '';
  for (const character of emojiAwareCharacters(text)) {
    if (result.length + character.length > budget) break;
    result += character;
  }
  result = result.replace(/\s+$/u, '');
  return withEllipsis ? `${result}…` : result;
}

function onlyMatching(text: string, allowed: RegExp): string {
  return Array.from(text)
    .filter((character) => allowed.test(character))
    .join('');
}

function fitNumber(text: string, maxDigits: number): string {
  const match = /\d+(\.\d+)?/.exec(text);
  if (!match) return '';
  const [integer = '', fraction = ''] = match[0].split('.');
  if (integer.length >= maxDigits) return integer.slice(0, maxDigits);
  const fractionDigits = fraction.slice(0, maxDigits - integer.length);
  return fractionDigits ? `${integer}.${fractionDigits}` : integer;
}

function fitCarNumber(text: string): string {
  const characters = Array.from(text).filter((character) => /[A-Za-z0-9]|\p{Script=Han}/u.test(character));
  const kept = characters.filter((character, index) => {
    const edge = index === 0 || index === characters.length - 1;
    return edge || /[A-Za-z0-9]/.test(character);
  });
  return kept.slice(0, 8).join('') || '-';
}
