import { describe, expect, it } from 'vitest';
import { formatBeijingTime, startOfBeijingDay, startOfNextBeijingDay } from '../src/index.js';

describe('Beijing time', () => {
  it('starts a day at 00:00 UTC+8', () => {
    expect(new Date(startOfBeijingDay(Date.parse('2026-11-25T15:59:59Z'))).toISOString()).toBe('2026-11-24T16:00:00.000Z');
    expect(new Date(startOfBeijingDay(Date.parse('2026-11-25T16:00:00Z'))).toISOString()).toBe('2026-11-25T16:00:00.000Z');
    expect(new Date(startOfNextBeijingDay(Date.parse('2026-11-25T03:00:00Z'))).toISOString()).toBe('2026-11-25T16:00:00.000Z');
  });

  it('formats 24-hour local time', () => {
    expect(formatBeijingTime(Date.parse('2026-11-25T16:05:00Z'))).toBe('2026-11-26 00:05');
  });
});
