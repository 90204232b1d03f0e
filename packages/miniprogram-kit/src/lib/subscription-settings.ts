import { apiFailure, send } from './api-failure.js';
import type { KitRequest } from './kit-config.js';
import type { SubscriptionsSetting } from './subscribe-outcome.js';

/** What the CRM is told of the phone's subscribe-message settings (POST /api/me/subscription-settings). */
export interface SettingsReport {
  /** false: every subscribe message is off. */
  mainSwitch: boolean;
  /** The lead templates kept "总是保持以上选择" and accepted, in the function's order. */
  always: string[];
}

/**
 * The report of what wx.getSetting({withSubscriptions: true}) showed: itemSettings[templateId] === 'accept' exists only
 * for templates kept "always" (a host template the user keeps is none of the CRM's business: only the lead templates,
 * as the function names them, count); mainSwitch false = every subscribe message off. Source: developers.weixin.qq.com
 * miniprogram/dev/api/open-api/setting/wx.getSetting.html.
 */
export function settingsReportOf(setting: SubscriptionsSetting, leadTemplateIds: readonly string[]): SettingsReport {
  return { mainSwitch: setting.mainSwitch !== false, always: leadTemplateIds.filter((id) => setting.itemSettings?.[id] === 'accept') };
}

export function sameReport(a: SettingsReport, b: SettingsReport): boolean {
  return a.mainSwitch === b.mainSwitch && a.always.length === b.always.length && a.always.every((id, index) => b.always[index] === id);
}

/** Tells the CRM (only the phone knows these settings; WeChat pushes neither). */
export async function reportSubscriptionSettings(request: KitRequest, report: SettingsReport): Promise<void> {
  const what = 'POST /api/me/subscription-settings';
  const response = await send(what, () => request({ method: 'POST', path: '/api/me/subscription-settings', data: { mainSwitch: report.mainSwitch, always: report.always } }));
  if (response.statusCode !== 200) throw apiFailure(what, response);
}
