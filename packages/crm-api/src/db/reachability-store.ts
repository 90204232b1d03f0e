import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { NotificationStatus } from '../delivery/states/statuses.js';
import type { Database, UserRow } from './schema.js';
import { prepared } from './prepared.js';
import { chunk, locksRows, type Trx } from './transaction.js';

/** A template's count `s` less the messages sent with it since WeChat last reported it (one delivery may cover several rows). */
function leftOf(es: ExpressionBuilder<Database & { s: Database['wechat_subscriptions'] }, 's'>) {
  const usedSince = es
    .selectFrom('notifications as used')
    .select((u) => u.fn.count<string | number>('used.delivery_id').distinct().as('count'))
    .whereRef('used.assignee_id', '=', 's.crm_user_id')
    .whereRef('used.template_id', '=', 's.template_id')
    .where('used.status', 'in', ['sent', 'unconfirmed'])
    .whereRef('used.updated_at', '>', 's.updated_at');
  return sql<number>`(s.remaining - (${usedSince}))`;
}

/** The newest word of a channel the chain passed over (the subscribe message's NOT_BOUND before WeCom delivered…). */
function passedOver(eb: ExpressionBuilder<Database, 'users'>) {
  const newest = () =>
    eb
      .selectFrom('notifications as p')
      .whereRef('p.assignee_id', '=', 'users.id')
      .where('p.passed_over_reason', 'is not', null)
      .orderBy('p.updated_at', 'desc')
      .orderBy('p.id', 'desc')
      .limit(1);
  return [newest().select('p.passed_over_reason').as('passed_over_reason'), newest().select('p.updated_at').as('passed_over_at')] as const;
}

/**
 * The facts as scalar subqueries on a `users` row: read in the same statement as the user, each an index probe
 * (migration 0008), so knowing reachability costs an assignment no statement of its own.
 */
function factColumns(eb: ExpressionBuilder<Database, 'users'>) {
  // The counts of the WeChat user the newest count is about (ties broken by the key): a count of an openid the user
  // left behind is not theirs any more. One per lead template.
  const currentOpenid = eb
    .selectFrom('wechat_subscriptions as newest')
    .select('newest.openid')
    .whereRef('newest.crm_user_id', '=', 'users.id')
    .orderBy('newest.updated_at', 'desc')
    .orderBy('newest.openid', 'desc')
    .orderBy('newest.template_id', 'desc')
    .limit(1);
  const counts = () => eb.selectFrom('wechat_subscriptions as s').whereRef('s.crm_user_id', '=', 'users.id').where('s.openid', '=', currentOpenid);
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
    // Every template's count left, summed: the messages WeChat still allows.
    counts()
      .select((es) => {
        const left = leftOf(es);
        return sql<string | number>`sum(case when ${left} > 0 then ${left} else 0 end)`.as('remaining');
      })
      .as('subscription_remaining'),
    // Refused (43101 or turned off since the last acceptance) only when every template is.
    counts().select(sql<number>`min(s.refused)`.as('refused')).as('subscription_refused'),
    counts().select(sql<string>`max(s.updated_at)`.as('updated_at')).as('subscription_updated_at'),
    newest('sent', 'sent_at').select('n.id').as('delivered_id'),
    newest('sent', 'sent_at').select('n.sent_at').as('delivered_at'),
    newest('skipped', 'updated_at').select('n.id').as('skipped_id'),
    newest('skipped', 'updated_at').select('n.updated_at').as('skipped_at'),
    newest('skipped', 'updated_at').select('n.reason').as('skipped_reason'),
    ...passedOver(eb),
    eb
      .selectFrom('notifications as seen')
      .select((s) => s.fn.min('seen.updated_at').as('first'))
      .whereRef('seen.assignee_id', '=', 'users.id')
      .where('seen.wechat_openid', 'is not', null)
      .as('first_sent_to_openid'),
    eb.selectFrom('wechat_binding_releases as released').select('released.released_at').whereRef('released.user_id', '=', 'users.id').as('released_at'),
    eb
      .selectFrom('wechat_subscription_settings as settings')
      .select('settings.reported_at')
      .whereRef('settings.user_id', '=', 'users.id')
      .where('settings.main_switch', '=', 0)
      .as('main_switch_off_at'),
  ] as const;
}

/** What the CRM has been told about whether a salesperson can receive a message, as read (the domain judges it). */
export interface ReachabilityRow {
  wecom_user_id: string | null;
  /** Already less the messages sent since each template's count was reported. */
  subscription_remaining: string | number | null;
  subscription_refused: number | null;
  subscription_updated_at: string | null;
  delivered_id: string | null;
  delivered_at: string | null;
  skipped_id: string | null;
  skipped_at: string | null;
  skipped_reason: string | null;
  /** The newest skip of a channel the chain passed over, and when (its row's last change). */
  passed_over_reason: string | null;
  passed_over_at: string | null;
  first_sent_to_openid: string | null;
  released_at: string | null;
  /** When the phone reported every subscribe message off, if its newest report says so. */
  main_switch_off_at: string | null;
}

/** One lead template's count for a user, less the messages sent with it since it was reported. */
export interface TemplateStockRow {
  crm_user_id: string;
  template_id: string;
  remaining: string | number;
  refused: number;
  updated_at: string;
}

/** Each user's counts per lead template, of the WeChat user their newest count is about, in template id order. */
export async function readTemplateStock(db: Trx, userIds: readonly string[]): Promise<Map<string, TemplateStockRow[]>> {
  const found = new Map<string, TemplateStockRow[]>();
  for (const ids of chunk(userIds, 500)) {
    const rows = await db
      .selectFrom('wechat_subscriptions as s')
      .select(['s.crm_user_id', 's.template_id', 's.refused', 's.updated_at'])
      .select((es) => {
        const left = leftOf(es);
        return sql<string | number>`case when ${left} > 0 then ${left} else 0 end`.as('remaining');
      })
      .where('s.crm_user_id', 'in', ids)
      .where('s.openid', '=', (eb) =>
        eb
          .selectFrom('wechat_subscriptions as newest')
          .select('newest.openid')
          .whereRef('newest.crm_user_id', '=', 's.crm_user_id')
          .orderBy('newest.updated_at', 'desc')
          .orderBy('newest.openid', 'desc')
          .orderBy('newest.template_id', 'desc')
          .limit(1),
      )
      .orderBy('s.template_id')
      .execute();
    for (const row of rows) {
      const userId = row.crm_user_id as string;
      found.set(userId, [...(found.get(userId) ?? []), { ...row, crm_user_id: userId }]);
    }
  }
  return found;
}

/** By user id; users that do not exist are absent. */
export async function readReachabilityRows(db: Trx, userIds: readonly string[]): Promise<Map<string, ReachabilityRow>> {
  const found = new Map<string, ReachabilityRow>();
  for (const ids of chunk(userIds, 500)) {
    const rows = await db.selectFrom('users').select(['users.id', 'users.wecom_user_id']).select(factColumns).where('users.id', 'in', ids).execute();
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
