import type { Trx } from './transaction.js';
import { chunk } from './transaction.js';

/** The subscribe-message settings a salesperson's phone last showed, as stored. */
export interface SubscriptionSettingsRow {
  mainSwitch: boolean;
  always: string[];
  reportedAt: string;
}

/** Keeps the newest report per user (one statement: reports arriving at once leave one row, the later one). */
export async function saveSubscriptionSettings(db: Trx, userId: string, settings: SubscriptionSettingsRow): Promise<void> {
  const values = { main_switch: settings.mainSwitch ? 1 : 0, always: JSON.stringify(settings.always), reported_at: settings.reportedAt };
  await db
    .insertInto('wechat_subscription_settings')
    .values({ user_id: userId, ...values })
    .onConflict((conflict) => conflict.column('user_id').doUpdateSet(values).where('wechat_subscription_settings.reported_at', '<=', settings.reportedAt))
    .execute();
}

function alwaysOf(stored: string): string[] {
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/** By user id; users whose phone never reported are absent. */
export async function readSubscriptionSettings(db: Trx, userIds: readonly string[]): Promise<Map<string, SubscriptionSettingsRow>> {
  const found = new Map<string, SubscriptionSettingsRow>();
  for (const ids of chunk(userIds, 500)) {
    const rows = await db.selectFrom('wechat_subscription_settings').selectAll().where('user_id', 'in', ids).execute();
    for (const row of rows) found.set(row.user_id, { mainSwitch: Number(row.main_switch) === 1, always: alwaysOf(row.always), reportedAt: row.reported_at });
  }
  return found;
}
