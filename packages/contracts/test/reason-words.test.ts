import { describe, expect, it } from 'vitest';
import { REASON_CODES, REASON_WORDS } from '../src/index.js';

describe('REASON_WORDS', () => {
  it('gives every reason of the table Chinese words and a fix, and names no code the table lacks', () => {
    expect(Object.keys(REASON_WORDS).sort()).toEqual([...REASON_CODES].sort());
    for (const code of REASON_CODES) {
      const words = REASON_WORDS[code];
      expect(words.text, code).toMatch(/\p{Script=Han}/u);
      expect(words.fix, code).toMatch(/\p{Script=Han}/u);
    }
  });
});
