import type { Trx } from './transaction.js';

/** What the CRM has been told about whether a salesperson can receive a message: the reads behind reachability. */
export interface ReachabilityFacts {
  /** The function's count as it last answered, less the deliveries made to the user since. */
  subscription: { remaining: number; refused: boolean; updatedAt: string } | undefined;
  lastDelivered: { notificationId: string; at: string } | undefined;
  lastSkipped: { notificationId: string; at: string; reason: string | null } | undefined;
  /** When WeChat first named this user's openid to us (a send went to it, or a push came from it). */
  firstSeenBound: string | undefined;
}

export async function readReachabilityFacts(db: Trx, userId: string): Promise<ReachabilityFacts> {
  const [subscription, delivered, skipped, sentTo] = await Promise.all([
    db.selectFrom('wechat_subscriptions').select(['remaining', 'refused', 'updated_at']).where('crm_user_id', '=', userId).orderBy('updated_at', 'desc').limit(1).executeTakeFirst(),
    db.selectFrom('notifications').select(['id', 'sent_at']).where('assignee_id', '=', userId).where('status', '=', 'sent').orderBy('sent_at', 'desc').limit(1).executeTakeFirst(),
    db.selectFrom('notifications').select(['id', 'updated_at', 'reason']).where('assignee_id', '=', userId).where('status', '=', 'skipped').orderBy('updated_at', 'desc').limit(1).executeTakeFirst(),
    db.selectFrom('notifications').select((eb) => eb.fn.min('updated_at').as('first')).where('assignee_id', '=', userId).where('wechat_openid', 'is not', null).executeTakeFirst(),
  ]);
  let usedSince = 0;
  if (subscription) {
    const used = await db
      .selectFrom('notifications')
      .select((eb) => eb.fn.count<string | number>('delivery_id').distinct().as('count'))
      .where('assignee_id', '=', userId)
      .where('status', 'in', ['sent', 'unconfirmed'])
      .where('updated_at', '>', subscription.updated_at)
      .executeTakeFirstOrThrow();
    usedSince = Number(used.count);
  }
  return {
    subscription: subscription
      ? { remaining: Math.max(0, subscription.remaining - usedSince), refused: subscription.refused === 1, updatedAt: subscription.updated_at }
      : undefined,
    lastDelivered: delivered?.sent_at ? { notificationId: delivered.id, at: delivered.sent_at } : undefined,
    lastSkipped: skipped ? { notificationId: skipped.id, at: skipped.updated_at, reason: skipped.reason } : undefined,
    firstSeenBound: sentTo?.first ?? subscription?.updated_at ?? undefined,
  };
}
