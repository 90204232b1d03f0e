import type { ExpressionBuilder, Kysely } from 'kysely';
import type { NotificationStatus } from '../delivery/states/statuses.js';
import type { Database, UserRow } from './schema.js';
import { prepared } from './prepared.js';
import { chunk, locksRows, type Trx } from './transaction.js';

/**
 * The facts as scalar subqueries on a `users` row: read in the same statement as the user, each an index probe
 * (migration 0008), so knowing reachability costs an assignment no statement of its own.
 */
function factColumns(eb: ExpressionBuilder<Database, 'users'>) {
  // The newest count WeChat's pushes or the function reported for this user (ties broken by the key).
  const subscription = () =>
    eb
      .selectFrom('wechat_subscriptions as s')
      .whereRef('s.crm_user_id', '=', 'users.id')
      .orderBy('s.updated_at', 'desc')
      .orderBy('s.openid', 'desc')
      .orderBy('s.template_id', 'desc')
      .limit(1);
  const newest = (status: Extract<NotificationStatus, 'sent' | 'skipped'>, by: 'sent_at' | 'updated_at') =>
    eb
      .selectFrom('notifications as n')
      .whereRef('n.assignee_id', '=', 'users.id')
      .where('n.status', '=', status)
      .orderBy(`n.${by}`, 'desc')
      // Rows recorded together share their time: the id decides, so every column comes from the same row.
      .orderBy('n.id', 'desc')
      .limit(1);
  return [
    subscription().select('s.remaining').as('subscription_remaining'),
    subscription().select('s.refused').as('subscription_refused'),
    subscription().select('s.updated_at').as('subscription_updated_at'),
    // Messages that used the count since WeChat last reported it (one delivery may cover several rows).
    eb
      .selectFrom('notifications as used')
      .select((u) => u.fn.count<string | number>('used.delivery_id').distinct().as('count'))
      .whereRef('used.assignee_id', '=', 'users.id')
      .where('used.status', 'in', ['sent', 'unconfirmed'])
      .where('used.updated_at', '>', subscription().select('s.updated_at'))
      .as('used_since_subscription'),
    newest('sent', 'sent_at').select('n.id').as('delivered_id'),
    newest('sent', 'sent_at').select('n.sent_at').as('delivered_at'),
    newest('skipped', 'updated_at').select('n.id').as('skipped_id'),
    newest('skipped', 'updated_at').select('n.updated_at').as('skipped_at'),
    newest('skipped', 'updated_at').select('n.reason').as('skipped_reason'),
    eb
      .selectFrom('notifications as seen')
      .select((s) => s.fn.min('seen.updated_at').as('first'))
      .whereRef('seen.assignee_id', '=', 'users.id')
      .where('seen.wechat_openid', 'is not', null)
      .as('first_sent_to_openid'),
    eb.selectFrom('wechat_binding_releases as released').select('released.released_at').whereRef('released.user_id', '=', 'users.id').as('released_at'),
  ] as const;
}

/** What the CRM has been told about whether a salesperson can receive a message, as read (the domain judges it). */
export interface ReachabilityRow {
  subscription_remaining: number | null;
  subscription_refused: number | null;
  subscription_updated_at: string | null;
  used_since_subscription: string | number | bigint | null;
  delivered_id: string | null;
  delivered_at: string | null;
  skipped_id: string | null;
  skipped_at: string | null;
  skipped_reason: string | null;
  first_sent_to_openid: string | null;
  released_at: string | null;
}

/** By user id; users that do not exist are absent. */
export async function readReachabilityRows(db: Trx, userIds: readonly string[]): Promise<Map<string, ReachabilityRow>> {
  const found = new Map<string, ReachabilityRow>();
  for (const ids of chunk(userIds, 500)) {
    const rows = await db.selectFrom('users').select('users.id').select(factColumns).where('users.id', 'in', ids).execute();
    for (const row of rows) found.set(row.id, row);
  }
  return found;
}

const userWithFactsQuery = (db: Kysely<Database>, id: string) => db.selectFrom('users').selectAll('users').select(factColumns).where('users.id', '=', id);
const userWithFacts = prepared(userWithFactsQuery);
const userWithFactsLocked = prepared((db, id: string) => userWithFactsQuery(db, id).forNoKeyUpdate());

/**
 * The user and their reachability facts in one statement. `lock` (PostgreSQL only): `noKeyUpdate` serialises
 * writers of the user row without blocking foreign-key checks.
 */
export async function findUserWithReachability(
  db: Trx,
  id: string,
  options: { lock?: 'noKeyUpdate' | undefined } = {},
): Promise<{ user: UserRow; reachability: ReachabilityRow } | undefined> {
  const [row] = (await (options.lock === 'noKeyUpdate' && locksRows(db) ? userWithFactsLocked : userWithFacts)(db, id)).rows;
  return row ? { user: row, reachability: row } : undefined;
}
