import type { AppContext } from '../context.js';
import { saveSubscriptionSettings, type SubscriptionSettingsRow } from '../db/subscription-settings-store.js';
import type { Actor } from './actor.js';

/**
 * What wx.getSetting({withSubscriptions: true}) showed on the salesperson's phone, as the mini-program kit reports it:
 * `mainSwitch` false means every subscribe message is off; `always` the lead templates whose itemSettings is 'accept'
 * ("总是保持以上选择", always accept). Only the phone knows either (WeChat pushes neither), so this report is the CRM's
 * one word of them; the newest one is kept, with its time. Source: developers.weixin.qq.com
 * miniprogram/dev/api/open-api/setting/wx.getSetting.html.
 */
export async function reportSubscriptionSettings(
  ctx: AppContext,
  actor: Actor,
  settings: { mainSwitch: boolean; always: readonly string[] },
): Promise<SubscriptionSettingsRow> {
  const stored = { mainSwitch: settings.mainSwitch, always: [...new Set(settings.always)], reportedAt: new Date(ctx.clock.now()).toISOString() };
  await saveSubscriptionSettings(ctx.db.kysely, actor.id, stored);
  return stored;
}
