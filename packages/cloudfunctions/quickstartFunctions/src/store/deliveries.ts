import type { SendResult } from '@leadnotify/contracts';
import type { CloudDatabase } from '../cloud-sdk.js';
import { COLLECTIONS } from './collections.js';

export type Claim = { kind: 'claimed' } | { kind: 'already-sent'; result: SendResult } | { kind: 'in-progress' };

/**
 * Idempotency per deliveryId. A delivery document is created (or taken over) before sending, so a
 * retry after a timeout finds it: 'sent' returns the recorded result, 'sending' means another run is at
 * it (taken over only once it is older than staleMs, i.e. that run died), 'open' may be tried again.
 */
export async function claimDelivery(db: CloudDatabase, deliveryId: string, nowMs: number, staleMs: number): Promise<Claim> {
  const collection = db.collection(COLLECTIONS.deliveries);
  const claimedAt = nowMs;
  try {
    await collection.add({ data: { _id: deliveryId, state: 'sending', claimedAt, attempts: 1 } });
    return { kind: 'claimed' };
  } catch (error) {
    const { data } = await collection.where({ _id: deliveryId }).limit(1).get();
    const existing = data[0];
    if (!existing) throw error;
    if (existing.state === 'sent') return { kind: 'already-sent', result: existing.result as SendResult };
    const takeOver =
      existing.state === 'open'
        ? { _id: deliveryId, state: 'open' }
        : { _id: deliveryId, state: 'sending', claimedAt: db.command.lt(nowMs - staleMs) };
    const { stats } = await collection.where(takeOver).update({ data: { state: 'sending', claimedAt, attempts: db.command.inc(1) } });
    return stats.updated === 1 ? { kind: 'claimed' } : { kind: 'in-progress' };
  }
}

/** Records the outcome: only a sent message closes the delivery; anything else may be tried again. */
export async function finishDelivery(db: CloudDatabase, result: SendResult, nowMs: number): Promise<void> {
  await db
    .collection(COLLECTIONS.deliveries)
    .doc(result.deliveryId)
    .update({ data: { state: result.status === 'sent' ? 'sent' : 'open', result, finishedAt: nowMs } });
}
