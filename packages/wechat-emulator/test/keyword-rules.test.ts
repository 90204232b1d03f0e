import { describe, expect, it } from 'vitest';
import { KEYWORD_RULES } from '../src/keyword-rules.js';

/** Shared WECHAT.md, "Keyword value rules": what WeChat accepts per keyword type, read strictly. */
describe('keyword rules', () => {
  it('symbol: at most 5 punctuation marks or symbols; no control, zero-width or private-use characters, no emoji', () => {
    for (const value of ['!', '¥%…', '※★→·€', '<>?!#']) expect(KEYWORD_RULES.symbol(value), JSON.stringify(value)).toBe(true);
    for (const value of ['\u0000', '\u001b', '\u200b', '\ue000', '😀', '😀😀😀😀😀', '©', '!!!!!!', '', 'a', '1', ' ']) {
      expect(KEYWORD_RULES.symbol(value), JSON.stringify(value)).toBe(false);
    }
  });

  it.each([
    ['soft hyphen U+00AD', 'A\u00adB'],
    ['Arabic letter mark U+061C', 'A\u061cB'],
    ['invisible times U+2062', 'A\u2062B'],
    ['function application U+2061', 'A\u2061B'],
    ['invisible plus U+2064', 'A\u2064B'],
    ['line separator U+2028', 'A\u2028B'],
    ['ideographic space U+3000', 'A\u3000B'],
    ['combining acute accent', 'Jose\u0301'],
    ['private use U+E000', 'A\ue000B'],
    ['lone surrogate', 'A\ud800B'],
    ['unassigned U+0378', 'A\u0378B'],
  ])('thing and name refuse %s: none of "Chinese, digits, letters, symbols"', (_what, value) => {
    expect(KEYWORD_RULES.thing(value)).toBe(false);
    expect(KEYWORD_RULES.name(value)).toBe(false);
  });

  it('thing and name take Chinese, digits, letters, punctuation, symbols and the space', () => {
    for (const value of ['张三（VIP）-1', 'Acme Co. Ltd', 'José', '阿里巴巴·杭州…', '¥100 #3']) {
      expect(KEYWORD_RULES.thing(value), JSON.stringify(value)).toBe(true);
    }
    expect(KEYWORD_RULES.name('王五·Li')).toBe(true);
  });

  it('time and date: a date must exist on the calendar', () => {
    expect(KEYWORD_RULES.date('2026-13-45')).toBe(false);
    expect(KEYWORD_RULES.date('2026-02-29')).toBe(false);
    expect(KEYWORD_RULES.date('2026年4月31日')).toBe(false);
    expect(KEYWORD_RULES.time('2026-00-99 10:00')).toBe(false);
    expect(KEYWORD_RULES.date('2028-02-29')).toBe(true);
    expect(KEYWORD_RULES.date('2026年11月25日 10:30')).toBe(true);
    expect(KEYWORD_RULES.time('2026-11-25 10:30')).toBe(true);
    expect(KEYWORD_RULES.time('10:30')).toBe(true);
  });

  it('time and date: a range is exactly two points joined by ~', () => {
    expect(KEYWORD_RULES.time('10:00~11:00')).toBe(true);
    expect(KEYWORD_RULES.date('2026-11-25~2026-11-26')).toBe(true);
    expect(KEYWORD_RULES.time('10:00~11:00~12:00')).toBe(false);
    expect(KEYWORD_RULES.time('10:00~11:00~12:00~13:00')).toBe(false);
    expect(KEYWORD_RULES.date('2026-11-25~')).toBe(false);
    expect(KEYWORD_RULES.date('2026-11-25~2026-11-31')).toBe(false);
  });
});
