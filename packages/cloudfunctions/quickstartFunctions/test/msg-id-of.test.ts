import { describe, expect, it } from 'vitest';
import { msgIdOf } from '../src/handlers/msg-id-of.js';

describe("reading WeChat's MsgID off a send answer", () => {
  // What wx-server-sdk 4.0.2 hands over for these msgids: json-bigint 1.0.0 parses them into BigNumbers, and the
  // SDK's key-case conversion copies each into a plain object (observed by running both on the numbers below).
  it.each([
    [{ s: 1, e: 18, c: [32486, 82510344192008] }, '3248682510344192008'],
    [{ s: 1, e: 18, c: [30000, 1] }, '3000000000000000001'],
    [{ s: 1, e: 18, c: [30000] }, '3000000000000000000'],
    [{ s: 1, e: 18, c: [32486, 82510344192000] }, '3248682510344192000'],
    [{ s: 1, e: 15, c: [12, 34567890123456] }, '1234567890123456'],
  ])('the SDK\'s copy of a BigNumber %j is %s', (answer, digits) => {
    expect(msgIdOf(answer)).toBe(digits);
  });

  it('takes digits, a bigint and a number that is exact', () => {
    expect(msgIdOf('3248682510344192008')).toBe('3248682510344192008');
    expect(msgIdOf(3248682510344192008n)).toBe('3248682510344192008');
    expect(msgIdOf(123456789012345)).toBe('123456789012345');
  });

  it('leaves out what cannot be the exact id: none, a rounded number, a fraction, a negative, anything else', () => {
    expect(msgIdOf(undefined)).toBeUndefined();
    expect(msgIdOf(3248682510344192008)).toBeUndefined();
    expect(msgIdOf({ s: 1, e: 0, c: [1, 50000000000000] })).toBeUndefined();
    expect(msgIdOf({ s: -1, e: 18, c: [30000] })).toBeUndefined();
    expect(msgIdOf('12ab')).toBeUndefined();
    expect(msgIdOf({})).toBeUndefined();
    expect(msgIdOf(null)).toBeUndefined();
  });
});
