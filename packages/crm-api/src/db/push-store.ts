import type { WechatSubscriptionsTable } from './schema.js';
import type { Trx } from './transaction.js';

/** Every statement on WeChat's message pushes and the subscription states they produced. */

/** Remembers an applied push; false when it was applied before (a replay). */
export async function rememberPush(db: Trx, push: { id: string; event: string; openid: string | null; receivedAt: string }): Promise<boolean> {
  const result = await db
    .insertInto('wechat_pushes')
    .values({ id: push.id, event: push.event, openid: push.openid, received_at: push.receivedAt })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function pushSeen(db: Trx, id: string): Promise<boolean> {
  return (await db.selectFrom('wechat_pushes').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function saveSubscriptionStates(db: Trx, states: WechatSubscriptionsTable[]): Promise<void> {
  for (const state of states) {
    await db
      .insertInto('wechat_subscriptions')
      .values(state)
      .onConflict((conflict) =>
        conflict
          .columns(['openid', 'template_id'])
          .doUpdateSet({
            crm_user_id: state.crm_user_id,
            remaining: state.remaining,
            refused: state.refused,
            version: state.version,
            updated_at: state.updated_at,
          })
          // Two pushes applied at once may answer out of order: keep the newer count.
          .where('wechat_subscriptions.version', '<', state.version),
      )
      .execute();
  }
}

export async function subscriptionsOf(db: Trx, crmUserId: string): Promise<WechatSubscriptionsTable[]> {
  return db.selectFrom('wechat_subscriptions').selectAll().where('crm_user_id', '=', crmUserId).orderBy('updated_at', 'desc').execute();
}

/** Whether WeChat's pushes showed an acceptance by this user at or after `since` that is not used up. */
export async function acceptedSince(db: Trx, crmUserId: string, since: string): Promise<boolean> {
  const row = await db
    .selectFrom('wechat_subscriptions')
    .select('openid')
    .where('crm_user_id', '=', crmUserId)
    .where('updated_at', '>=', since)
    .where('remaining', '>', 0)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
