import type { Trx } from './transaction.js';

/** Statements on the session vouches exchanged (migration 0017). */

/** Remembers a vouch as exchanged; false when its nonce was exchanged before (a replay). One statement: of two copies at once, one wins. */
export async function rememberVouch(db: Trx, vouch: { nonce: string; user_id: string; used_at: string; expires_at: string }): Promise<boolean> {
  const result = await db.insertInto('wechat_session_vouches').values(vouch).onConflict((conflict) => conflict.column('nonce').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** A vouch past its expiry is refused as expired before its nonce is looked at: its row can go. */
export async function forgetExpiredVouches(db: Trx, now: string): Promise<void> {
  await db.deleteFrom('wechat_session_vouches').where('expires_at', '<', now).execute();
}

/** When an admin last released the user's WeChat binding, if ever. */
export async function findBindingRelease(db: Trx, userId: string): Promise<{ released_at: string } | undefined> {
  return db.selectFrom('wechat_binding_releases').select('released_at').where('user_id', '=', userId).executeTakeFirst();
}
