import { describe, expect, it } from 'vitest';
import { checkPoolRules, type PoolRules } from '../src/domain/pool-rules.js';

const RULES: PoolRules = { maxOwnedCustomers: 3, maxDailyClaims: 2, reclaimCooldownMs: 3_600_000 };
const NOW = Date.parse('2026-11-25T10:00:00Z');
const facts = (overrides: Partial<Parameters<typeof checkPoolRules>[1]> = {}) => ({ ownedCount: 0, claimedTodayCount: 0, releasedAt: [], ...overrides });
const codeOf = (run: () => void) => {
  try {
    run();
    return 'allowed';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('the pool rules, as plain functions', () => {
  it('allow a claim within every limit', () => {
    expect(codeOf(() => checkPoolRules(RULES, facts({ ownedCount: 2, claimedTodayCount: 1 }), { claimCount: 1, nowMs: NOW }))).toBe('allowed');
  });

  it('refuse a claim that would own more than the limit', () => {
    expect(codeOf(() => checkPoolRules(RULES, facts({ ownedCount: 3 }), { claimCount: 1, nowMs: NOW }))).toBe('POOL_MAX_OWNED_REACHED');
  });

  it('refuse a claim past the daily limit', () => {
    expect(codeOf(() => checkPoolRules(RULES, facts({ claimedTodayCount: 2 }), { claimCount: 1, nowMs: NOW }))).toBe('POOL_DAILY_CLAIMS_REACHED');
  });

  it('refuse a customer the claimer released within the cooldown, and allow it after', () => {
    const released = facts({ releasedAt: [{ customerId: 'c1', releasedAt: new Date(NOW - 1_800_000).toISOString() }] });
    expect(codeOf(() => checkPoolRules(RULES, released, { claimCount: 1, nowMs: NOW }))).toBe('POOL_RECLAIM_COOLDOWN');
    expect(codeOf(() => checkPoolRules(RULES, released, { claimCount: 1, nowMs: NOW + 1_800_000 }))).toBe('allowed');
  });
});
