import type { Config } from '../config.js';
import { DomainError } from './errors.js';

export interface PoolRules {
  maxOwnedCustomers: number;
  maxDailyClaims: number;
  reclaimCooldownMs: number;
}

/** What the pool rules need to know about a sales user claiming customers today. */
export interface PoolFacts {
  ownedCount: number;
  claimedTodayCount: number;
  /** When this user last released each of the claimed customers, if they did. */
  releasedAt: Array<{ customerId: string; releasedAt: string }>;
}

export function poolRulesFrom(config: Config): PoolRules {
  return {
    maxOwnedCustomers: config.POOL_MAX_OWNED_CUSTOMERS,
    maxDailyClaims: config.POOL_MAX_DAILY_CLAIMS,
    reclaimCooldownMs: config.POOL_RECLAIM_COOLDOWN_HOURS * 3_600_000,
  };
}

/**
 * The 公海 rules for a sales user claiming `claimCount` customers for themselves, given what the database
 * says about them (read inside the claim's transaction after the claimer's row is locked, so two
 * concurrent claims cannot both pass). Throws the first rule broken.
 */
export function checkPoolRules(rules: PoolRules, facts: PoolFacts, claim: { claimCount: number; nowMs: number }): void {
  if (facts.ownedCount + claim.claimCount > rules.maxOwnedCustomers) {
    throw new DomainError({
      code: 'POOL_MAX_OWNED_REACHED',
      message: `You already own ${facts.ownedCount} customers; the limit is ${rules.maxOwnedCustomers}. Release some first.`,
      details: { limit: rules.maxOwnedCustomers, owned: facts.ownedCount },
    });
  }
  if (facts.claimedTodayCount + claim.claimCount > rules.maxDailyClaims) {
    throw new DomainError({
      code: 'POOL_DAILY_CLAIMS_REACHED',
      message: `You have claimed ${facts.claimedTodayCount} customers from the pool today; the daily limit is ${rules.maxDailyClaims}.`,
      details: { limit: rules.maxDailyClaims, claimedToday: facts.claimedTodayCount },
    });
  }
  for (const release of facts.releasedAt) {
    const availableAt = Date.parse(release.releasedAt) + rules.reclaimCooldownMs;
    if (availableAt > claim.nowMs) {
      throw new DomainError({
        code: 'POOL_RECLAIM_COOLDOWN',
        message: `You released this customer recently; you may claim it again from ${new Date(availableAt).toISOString()}.`,
        details: { customerId: release.customerId, availableAt: new Date(availableAt).toISOString() },
      });
    }
  }
}
