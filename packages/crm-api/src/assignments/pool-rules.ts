import { startOfBeijingDay } from '@leadnotify/contracts';
import type { Config } from '../config.js';
import type { Trx } from '../db/transaction.js';
import { ApiError } from '../http/api-error.js';

export interface PoolRules {
  maxOwnedCustomers: number;
  maxDailyClaims: number;
  reclaimCooldownMs: number;
}

export function poolRulesFrom(config: Config): PoolRules {
  return {
    maxOwnedCustomers: config.POOL_MAX_OWNED_CUSTOMERS,
    maxDailyClaims: config.POOL_MAX_DAILY_CLAIMS,
    reclaimCooldownMs: config.POOL_RECLAIM_COOLDOWN_HOURS * 3_600_000,
  };
}

/**
 * The 公海 rules for a sales user claiming customers for themselves. Runs inside the claim's
 * transaction after the claimer's user row is locked, so two concurrent claims cannot both pass.
 */
export async function checkPoolRules(
  trx: Trx,
  rules: PoolRules,
  claim: { userId: string; customerIds: string[]; nowMs: number },
): Promise<void> {
  const owned = await trx
    .selectFrom('customers')
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .where('owner_id', '=', claim.userId)
    .executeTakeFirstOrThrow();
  const ownedCount = Number(owned.count);
  if (ownedCount + claim.customerIds.length > rules.maxOwnedCustomers) {
    throw new ApiError({
      code: 'POOL_MAX_OWNED_REACHED',
      message: `You already own ${ownedCount} customers; the limit is ${rules.maxOwnedCustomers}. Release some first.`,
      details: { limit: rules.maxOwnedCustomers, owned: ownedCount },
    });
  }

  const dayStart = new Date(startOfBeijingDay(claim.nowMs)).toISOString();
  const claimedToday = await trx
    .selectFrom('assignments')
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .where('to_owner_id', '=', claim.userId)
    .where('actor_id', '=', claim.userId)
    .where('channel', '=', 'pool')
    .where('created_at', '>=', dayStart)
    .executeTakeFirstOrThrow();
  const claimedCount = Number(claimedToday.count);
  if (claimedCount + claim.customerIds.length > rules.maxDailyClaims) {
    throw new ApiError({
      code: 'POOL_DAILY_CLAIMS_REACHED',
      message: `You have claimed ${claimedCount} customers from the pool today; the daily limit is ${rules.maxDailyClaims}.`,
      details: { limit: rules.maxDailyClaims, claimedToday: claimedCount },
    });
  }

  if (rules.reclaimCooldownMs === 0) return;
  const releases = await trx
    .selectFrom('assignments')
    .select(['customer_id', (eb) => eb.fn.max('created_at').as('released_at')])
    .where('from_owner_id', '=', claim.userId)
    .where('to_owner_id', 'is', null)
    .where('customer_id', 'in', claim.customerIds)
    .groupBy('customer_id')
    .execute();
  for (const release of releases) {
    const availableAt = Date.parse(release.released_at) + rules.reclaimCooldownMs;
    if (availableAt > claim.nowMs) {
      throw new ApiError({
        code: 'POOL_RECLAIM_COOLDOWN',
        message: `You released this customer recently; you may claim it again from ${new Date(availableAt).toISOString()}.`,
        details: { customerId: release.customer_id, availableAt: new Date(availableAt).toISOString() },
      });
    }
  }
}
