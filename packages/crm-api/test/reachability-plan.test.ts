import { DAY_MS } from '@leadnotify/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BEHAVIOUR, planMonth } from '../bench/reachability/plan.js';

/** `pnpm bench reachability` judges the design steps on one month; the month must be the same for each, and as stated. */
describe('the reachability benchmark\'s month', () => {
  const from = Date.parse('2026-12-07T06:00:00Z');
  const plan = planMonth(DEFAULT_BEHAVIOUR, 7, from);

  it('is the same for the same seed, and another for another', () => {
    expect(planMonth(DEFAULT_BEHAVIOUR, 7, from)).toEqual(plan);
    expect(planMonth(DEFAULT_BEHAVIOUR, 8, from).events).not.toEqual(plan.events);
  });

  it('has working days only, every event between 9:00 and 18:00 Beijing time, in order', () => {
    expect(plan.dayStarts).toHaveLength(22);
    for (const day of plan.dayStarts) expect([1, 2, 3, 4, 5]).toContain(new Date(day + 8 * 3_600_000).getUTCDay());
    for (const event of plan.events) {
      const hour = ((event.at - plan.dayStarts[0]!) % DAY_MS) / 3_600_000;
      expect(hour >= 9 && hour < 18, `event at ${new Date(event.at).toISOString()}`).toBe(true);
    }
    expect(plan.events.map((event) => event.at)).toEqual([...plan.events.map((event) => event.at)].sort((a, b) => a - b));
  });

  it('gives about 8 leads a salesperson a working day, through the four operations, and one who never binds and one who turns notifications off', () => {
    const perDay = plan.leads / (plan.behaviour.salespeople * plan.behaviour.days);
    expect(perDay).toBeGreaterThan(6.5);
    expect(perDay).toBeLessThan(9.5);
    const operations = new Set(plan.events.flatMap((event) => (event.kind === 'assign' ? [event.operation] : [])));
    expect([...operations].sort()).toEqual(['batch', 'miniprogram', 'pool', 'web']);
    expect(plan.salespeople.filter((person) => !person.binds)).toHaveLength(1);
    expect(plan.salespeople.filter((person) => person.offDays.size === 5)).toHaveLength(1);
    expect(plan.salespeople.filter((person) => person.keepsAlways)).toHaveLength(8);
  });
});
