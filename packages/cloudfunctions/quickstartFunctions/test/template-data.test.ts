import { joinedEmojiSequences } from '@leadnotify/test-support';
import { describe, expect, it } from 'vitest';
import { loadFunctionConfig } from '../src/config.js';
import { formatBeijingTime } from '@leadnotify/contracts';
import { cleanText, fitKeyword } from '../src/template/fit-keyword.js';
import { KEYWORD_TYPES, type KeywordType } from '../src/template/keyword-types.js';

/**
 * The keyword rules as WECHAT.md states them (sendMessage doc table), written independently of the
 * fitting code; lengths in UTF-16 units, the strictest reading.
 */
const RULES: Record<KeywordType, (value: string) => boolean> = {
  thing: (v) => v.length > 0 && v.length <= 20,
  number: (v) => /^\d+(\.\d+)?$/.test(v) && v.replace('.', '').length <= 32,
  letter: (v) => /^[A-Za-z]{1,32}$/.test(v),
  symbol: (v) => /^[^\sA-Za-z0-9\p{L}]{1,5}$/u.test(v),
  character_string: (v) => /^[!-~]{1,32}$/.test(v),
  time: (v) => /^\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):[0-5]\d$/.test(v),
  date: (v) => /^\d{4}-\d{2}-\d{2}( ([01]\d|2[0-3]):[0-5]\d)?$/.test(v),
  amount: (v) => /^¥\d{1,10}(\.\d+)?$/.test(v) && v.replace(/[¥.]/g, '').length <= 10,
  phone_number: (v) => /^[0-9+\-()*]{1,17}$/.test(v),
  car_number: (v) => v.length >= 1 && Array.from(v).length <= 8 && Array.from(v).every((c, i, all) => i === 0 || i === all.length - 1 || /[A-Za-z0-9]/.test(c)),
  name: (v) => v.length > 0 && (/[^\x20-\x7e]/.test(v) ? v.length <= 10 : v.length <= 20),
  phrase: (v) => /^\p{Script=Han}{1,5}$/u.test(v),
};

const NASTY_INPUTS = [
  '',
  '   ',
  '阿里巴巴（中国）网络技术有限公司杭州分公司第二销售部',
  'A very long English customer name that goes on and on',
  '😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘😗😚😙😋',
  '张三👨‍👩‍👧‍👦的家庭客户，需要尽快联系并跟进报价事宜',
  '👩‍💻👨‍👩‍👧‍👦🏳️‍🌈🏴󠁧󠁢󠁳󠁣󠁴󠁿🧑🏽‍🦰👩‍❤️‍💋‍👨🫱🏻‍🫲🏿',
  'line1\nline2\ttabbed\u0000null',
  '+86 (138) 0000-0000 转 123456789',
  '¥12,345.678 元',
  '浙A12345',
  '12345678901234567890123456789012345678901234567890',
  '<script>alert(1)</script>',
  '!!!???***',
];

describe('keyword value fitting', () => {
  const textTypes = KEYWORD_TYPES.filter((type) => type !== 'time' && type !== 'date');

  it.each(textTypes)('every %s value produced from awkward input obeys the documented rule', (type) => {
    for (const input of NASTY_INPUTS) {
      const fitted = fitKeyword(type, input);
      expect(RULES[type](fitted), `${type} from ${JSON.stringify(input)} gave ${JSON.stringify(fitted)}`).toBe(true);
    }
  });

  it('truncates a long thing to 20 with an ellipsis and keeps short text as is', () => {
    expect(fitKeyword('thing', '阿里巴巴（中国）网络技术有限公司杭州分公司第二销售部')).toBe('阿里巴巴（中国）网络技术有限公司杭州分…');
    expect(fitKeyword('thing', '腾讯')).toBe('腾讯');
  });

  it('never cuts an emoji in half', () => {
    const fitted = fitKeyword('thing', '😀'.repeat(15));
    expect(fitted).toBe(`${'😀'.repeat(9)}…`);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(fitted)).toBe(false);
  });

  it('keeps every emoji ZWJ and tag sequence whole, and removes a joiner that joins nothing', () => {
    const sequences = joinedEmojiSequences();
    expect(sequences.filter((sequence) => cleanText(`王${sequence}家`) !== `王${sequence}家`)).toEqual([]);
    expect(cleanText('张\u200d三 👩\u200d程序员')).toBe('张三 👩程序员');
  });

  it('cuts a thing before a ZWJ sequence rather than through it, whatever the sequence', () => {
    for (const sequence of joinedEmojiSequences()) {
      // The sequence straddles the 19th unit, where the ellipsis goes.
      const fitted = fitKeyword('thing', `${'客'.repeat(17)}${sequence}户户户`);
      expect(fitted, sequence).toBe(`${'客'.repeat(17)}…`);
    }
    expect(fitKeyword('thing', `${'客'.repeat(8)}👨‍👩‍👧‍👦户户户`)).toBe(`${'客'.repeat(8)}👨‍👩‍👧‍👦…`);
  });

  it('never cuts a flag or a keycap in half (half a flag is a lone regional indicator)', () => {
    expect(fitKeyword('thing', `${'客'.repeat(17)}🇨🇳公司`)).toBe(`${'客'.repeat(17)}…`);
    expect(fitKeyword('thing', `${'客'.repeat(17)}1️⃣号`)).toBe(`${'客'.repeat(17)}…`);
    expect(fitKeyword('thing', `${'客'.repeat(10)}🇨🇳公司`)).toBe(`${'客'.repeat(10)}🇨🇳公司`);
  });

  it('conservatively, a name keeps only Chinese characters and letters: a digest\'s "王经理等2人" is a name WeChat surely takes', () => {
    expect(fitKeyword('name', '王经理等2人', { conservative: true })).toBe('王经理等人');
    expect(fitKeyword('name', 'Agent 007 (Bond)', { conservative: true })).toBe('Agent Bond');
    expect(fitKeyword('name', '李·小龙', { conservative: true })).toBe('李·小龙');
    expect(fitKeyword('name', '2024', { conservative: true })).toBe('无');
    expect(fitKeyword('name', '王经理等2人')).toBe('王经理等2人');
  });

  it('counts mixed names as Chinese (10) and pure letters up to 20', () => {
    expect(fitKeyword('name', '欧阳娜娜Nana Ouyang Chen')).toBe('欧阳娜娜Nana O');
    expect(fitKeyword('name', 'Alexander Maximilian Schmidt')).toBe('Alexander Maximilian');
  });

  it('keeps only Chinese characters in a phrase, only letters in a letter', () => {
    expect(fitKeyword('phrase', '待跟进 (urgent) 客户')).toBe('待跟进客户');
    expect(fitKeyword('letter', 'VIP-客户 A1')).toBe('VIPA');
  });

  it('fits numbers, amounts and phone numbers', () => {
    expect(fitKeyword('number', '共 12 位')).toBe('12');
    expect(fitKeyword('amount', '12345678901.5')).toBe('¥1234567890');
    expect(fitKeyword('phone_number', '+86 138 0000 0000')).toBe('+8613800000000');
  });

  it('conservative text keeps only letters, digits, punctuation, symbols and spaces: what "Chinese, digits, letters, symbols" surely covers', () => {
    const awkward = '赵\u00ad钱\u061c孙\u2062李\u2028周\ue000吴\ud800郑\u0378王 Jose\u0301（VIP）😀';

    const fitted = fitKeyword('thing', awkward, { conservative: true });

    expect(fitted).toBe('赵钱孙李 周吴郑王 José（VIP）');
    expect(/^[\p{L}\p{N}\p{P}\p{S} ]+$/u.test(fitted)).toBe(true);
  });

  it('shows times in Beijing time, 24-hour', () => {
    expect(formatBeijingTime(Date.parse('2026-11-25T16:05:00Z'))).toBe('2026-11-26 00:05');
    expect(RULES.time(formatBeijingTime(Date.parse('2026-01-01T00:00:00Z')))).toBe(true);
  });
});

describe('function configuration', () => {
  it('accepts the default mapping', () => {
    const config = loadFunctionConfig({ SUBSCRIBE_TEMPLATE_ID: 't', LEADNOTIFY_SHARED_SECRET: 'x'.repeat(32) });

    expect(config.sendProblems).toEqual([]);
    expect(config.bindProblems).toEqual([]);
    expect(config.templates.map((template) => template.id)).toEqual(['t']);
    expect(config.templates[0]!.keywords.map((k) => `${k.keyword}:${k.field}`)).toEqual(['thing1:customerName', 'time2:assignedAt', 'thing3:actorName', 'thing4:note']);
  });

  it('takes up to three lead templates, each with the one mapping or its own', () => {
    const shared = loadFunctionConfig({ SUBSCRIBE_TEMPLATE_IDS: ' a, b ,c', SUBSCRIBE_TEMPLATE_KEYWORDS: '{"thing1":"customerName","time2":"assignedAt"}' });
    expect(shared.sendProblems).toEqual([]);
    expect(shared.templates.map((template) => [template.id, template.keywords.map((k) => k.keyword)])).toEqual([
      ['a', ['thing1', 'time2']],
      ['b', ['thing1', 'time2']],
      ['c', ['thing1', 'time2']],
    ]);

    const own = loadFunctionConfig({
      SUBSCRIBE_TEMPLATE_IDS: 'a,b',
      SUBSCRIBE_TEMPLATE_KEYWORDS: '{"a":{"thing1":"customerName"},"b":{"name2":"customerName","date3":"assignedAt"}}',
    });
    expect(own.sendProblems).toEqual([]);
    expect(own.templates.map((template) => template.keywords.map((k) => `${k.keyword}:${k.field}`))).toEqual([['thing1:customerName'], ['name2:customerName', 'date3:assignedAt']]);
  });

  it('SUBSCRIBE_TEMPLATE_ID still works as a list of one, and agrees with SUBSCRIBE_TEMPLATE_IDS or is refused', () => {
    expect(loadFunctionConfig({ SUBSCRIBE_TEMPLATE_ID: 'a', SUBSCRIBE_TEMPLATE_IDS: 'a' }).sendProblems).toEqual([]);
    expect(loadFunctionConfig({ SUBSCRIBE_TEMPLATE_ID: 'a', SUBSCRIBE_TEMPLATE_IDS: 'a,b' }).sendProblems).toEqual([
      'SUBSCRIBE_TEMPLATE_ID and SUBSCRIBE_TEMPLATE_IDS are both set and differ: keep SUBSCRIBE_TEMPLATE_IDS only',
    ]);
  });

  it('refuses more than three templates, one listed twice, and a per-template mapping that misses or names another template', () => {
    expect(loadFunctionConfig({ SUBSCRIBE_TEMPLATE_IDS: 'a,b,c,d' }).sendProblems).toEqual(['SUBSCRIBE_TEMPLATE_IDS lists 4 templates; one subscribe dialog asks for at most 3']);
    expect(loadFunctionConfig({ SUBSCRIBE_TEMPLATE_IDS: 'a,a' }).sendProblems).toEqual(['SUBSCRIBE_TEMPLATE_IDS lists a template twice']);
    expect(loadFunctionConfig({ SUBSCRIBE_TEMPLATE_IDS: 'a,b', SUBSCRIBE_TEMPLATE_KEYWORDS: '{"a":{"thing1":"customerName"},"z":{"thing1":"customerName"}}' }).sendProblems).toEqual([
      'SUBSCRIBE_TEMPLATE_KEYWORDS has a mapping for z, which SUBSCRIBE_TEMPLATE_IDS does not list',
      'SUBSCRIBE_TEMPLATE_KEYWORDS has no keyword mapping for template b',
    ]);
    expect(loadFunctionConfig({ SUBSCRIBE_TEMPLATE_IDS: 'a', SUBSCRIBE_TEMPLATE_KEYWORDS: '{"a":{"time1":"note"}}' }).sendProblems).toEqual([
      'SUBSCRIBE_TEMPLATE_KEYWORDS (a): a time keyword (time1) cannot show note',
    ]);
  });

  it('lists every problem in a bad configuration', () => {
    const config = loadFunctionConfig({
      SUBSCRIBE_TEMPLATE_KEYWORDS: '{"thing1":"customerName","time2":"note","banana3":"note","thing4":"salary"}',
      SUBSCRIBE_MINIPROGRAM_STATE: 'production',
      SEND_BATCH_MAX: '0',
      LEADNOTIFY_SHARED_SECRET: 'short',
    });

    expect(config.sendProblems).toEqual([
      "SUBSCRIBE_TEMPLATE_IDS is not set (the lead notice's one-time template ids, comma-separated, up to 3)",
      'SUBSCRIBE_TEMPLATE_KEYWORDS: a time keyword (time2) cannot show note',
      'SUBSCRIBE_TEMPLATE_KEYWORDS: "banana3" is not a keyword (type + number, e.g. thing1)',
      'SUBSCRIBE_TEMPLATE_KEYWORDS: "thing4" maps to unknown field "salary"; use one of customerName, customerCount, customerCompany, customerPhone, customerSource, actorName, assignedAt, note, assignedVia',
      'SUBSCRIBE_MINIPROGRAM_STATE must be one of formal, developer, trial',
      'SEND_BATCH_MAX must be a positive integer',
    ]);
    expect(config.bindProblems).toEqual(['LEADNOTIFY_SHARED_SECRET must be at least 32 characters']);
  });

  it('a thing or phrase keyword can show the customer source', () => {
    const config = loadFunctionConfig({ SUBSCRIBE_TEMPLATE_ID: 't', SUBSCRIBE_TEMPLATE_KEYWORDS: '{"thing5":"customerSource","phrase6":"customerSource"}' });

    expect(config.sendProblems).toEqual([]);
    expect(loadFunctionConfig({ SUBSCRIBE_TEMPLATE_ID: 't', SUBSCRIBE_TEMPLATE_KEYWORDS: '{"number5":"customerSource"}' }).sendProblems).toEqual([
      'SUBSCRIBE_TEMPLATE_KEYWORDS: a number keyword (number5) cannot show customerSource',
    ]);
  });

  it('refuses keywords JSON that does not parse', () => {
    expect(loadFunctionConfig({ SUBSCRIBE_TEMPLATE_ID: 't', SUBSCRIBE_TEMPLATE_KEYWORDS: '{thing1}' }).sendProblems).toEqual([
      'SUBSCRIBE_TEMPLATE_KEYWORDS is not JSON (expected e.g. {"thing1":"customerName"})',
    ]);
  });
});
