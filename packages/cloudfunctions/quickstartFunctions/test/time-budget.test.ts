import { describe, expect, it } from 'vitest';
import { loadFunctionConfig } from '../src/config.js';
import { createTimeBudget } from '../src/handlers/time-budget.js';
import { createMemoryCloud } from '../src/testing/memory-cloud.js';

/** A batch's budget at the defaults (3 s limit, 500 ms margin, 1 s estimate) on a clock the test moves. */
function budgetAt() {
  let now = 0;
  const config = loadFunctionConfig({ SUBSCRIBE_TEMPLATE_ID: 'tmpl', LEADNOTIFY_SHARED_SECRET: 'x'.repeat(32) });
  const budget = createTimeBudget({ cloud: createMemoryCloud().cloud, config, now: () => now, log: { info() {}, warn() {}, error() {} } }, 0);
  return { budget, at: (ms: number) => void (now = ms) };
}

describe("a batch's time budget (the function is stopped at 3 s; an item starts only if it can end by 2.5 s)", () => {
  it('quick answers that ended first (already sent, not bound) do not lower the estimate of a send below SEND_ESTIMATE_MS', () => {
    const { budget, at } = budgetAt();
    for (let item = 0; item < 10; item++) {
      const ended = budget.begin();
      at(item * 150 + 150);
      ended();
    }

    at(1_400);
    expect(budget.canFinish()).toBe(true);
    // A send of ~1 s started now would end past 2.5 s.
    at(1_540);
    expect(budget.canFinish()).toBe(false);
  });

  it('a send still running counts: the next is expected to take at least as long', () => {
    const { budget, at } = budgetAt();
    const slow = budget.begin();

    at(1_200);
    expect(budget.canFinish()).toBe(true);
    at(1_300);
    // 1.3 s in, the running send has taken 1.3 s: another as long would end at 2.6 s.
    expect(budget.canFinish()).toBe(false);
    slow();
    expect(budget.canFinish()).toBe(false);
  });

  it('the slowest item that ended raises the estimate', () => {
    const { budget, at } = budgetAt();
    const ended = budget.begin();
    at(1_100);
    ended();

    at(1_300);
    expect(budget.canFinish()).toBe(true);
    at(1_450);
    expect(budget.canFinish()).toBe(false);
  });
});
