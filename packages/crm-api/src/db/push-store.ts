import type { Selectable } from 'kysely';
import type { WechatPushesTable, WechatSubscriptionsTable } from './schema.js';
import type { Trx } from './transaction.js';

/** Every statement on WeChat's message pushes (the inbox) and the subscription states they produced. */

export type StoredPush = Selectable<WechatPushesTable>;

/** Stores a verified push in the inbox; false when it is there already (a replay). One statement: copies arriving at once store one. */
export async function storePush(db: Trx, push: { id: string; event: string; openid: string | null; body: string; receivedAt: string }): Promise<boolean> {
  const result = await db
    .insertInto('wechat_pushes')
    .values({ id: push.id, event: push.event, openid: push.openid, body: push.body, received_at: push.receivedAt, next_attempt_at: push.receivedAt, applied_at: null, lease_until: null, last_error: null })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Takes a stored push to apply it, unless it is applied, or another process holds it; the push when taken. */
export async function takePush(db: Trx, id: string, now: string, leaseUntil: string): Promise<StoredPush | undefined> {
  return db
    .updateTable('wechat_pushes')
    .set({ lease_until: leaseUntil })
    .where('id', '=', id)
    .where('applied_at', 'is', null)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .returningAll()
    .executeTakeFirst();
}

/** Pushes waiting to be applied (new, or due to be tried again), oldest first. */
export async function duePushIds(db: Trx, now: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('wechat_pushes')
    .select('id')
    .where('applied_at', 'is', null)
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('received_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

export async function markPushApplied(db: Trx, id: string, now: string): Promise<void> {
  await db.updateTable('wechat_pushes').set({ applied_at: now, lease_until: null, last_error: null }).where('id', '=', id).execute();
}

/**
 * Forgets pushes applied before `before`, keeping the newest push whatever its age (the doctor tells from it when WeChat
 * last pushed). The replay check needs only pushes young enough to be accepted; what a push changed is kept elsewhere.
 */
export async function deleteAppliedPushesBefore(db: Trx, before: string): Promise<number> {
  const last = await lastPushReceivedAt(db);
  if (!last) return 0;
  const result = await db
    .deleteFrom('wechat_pushes')
    .where('applied_at', 'is not', null)
    .where('applied_at', '<', before < last ? before : last)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function markPushFailed(db: Trx, id: string, failure: { error: string; nextAttemptAt: string }): Promise<void> {
  await db
    .updateTable('wechat_pushes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: failure.nextAttemptAt, lease_until: null, last_error: failure.error }))
    .where('id', '=', id)
    .execute();
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

/**
 * An admin released the user's binding: the mirror forgets whose counts were theirs, and the release is remembered, so
 * the salesperson shows as not bound until WeChat shows a binding again.
 */
export async function recordBindingRelease(db: Trx, crmUserId: string, at: string): Promise<void> {
  await db.updateTable('wechat_subscriptions').set({ crm_user_id: null }).where('crm_user_id', '=', crmUserId).execute();
  await db
    .insertInto('wechat_binding_releases')
    .values({ user_id: crmUserId, released_at: at })
    .onConflict((conflict) => conflict.column('user_id').doUpdateSet({ released_at: at }))
    .execute();
}

/** When the newest push in the inbox arrived; undefined when none ever did. */
export async function lastPushReceivedAt(db: Trx): Promise<string | undefined> {
  const row = await db.selectFrom('wechat_pushes').select((eb) => eb.fn.max('received_at').as('last')).executeTakeFirst();
  return row?.last ?? undefined;
}

/**
 * Subscribe messages (delivery ids) that went out after `after` and up to `until`, each of which WeChat answers with a
 * delivery receipt push (a channel of null predates WeCom).
 */
export async function subscribeMessagesSentBetween(db: Trx, after: string, until: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.count<number | string | bigint>('delivery_id').distinct().as('count'))
    .where('sent_at', '>', after)
    .where('sent_at', '<=', until)
    .where((eb) => eb.or([eb('channel', '=', 'wechat-subscribe'), eb('channel', 'is', null)]))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
