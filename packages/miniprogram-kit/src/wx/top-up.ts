import { SESSION_STORAGE_KEY } from '../lib/crm-session.js';
import { keptAlwaysAccepted, type SubscriptionsSetting } from '../lib/subscribe-outcome.js';
import { toKitError } from '../lib/kit-error.js';
import { reportSubscriptionSettings, sameReport, settingsReportOf, type SettingsReport } from '../lib/subscription-settings.js';
import { reportAcceptance, subscriptionStatus, type Stock } from '../lib/subscription-stock.js';
import { cloudCallFunction } from './cloud-call-function.js';
import { kitSession } from './kit-session.js';

/** Where the kit keeps what a tap needs at hand: the lead templates, and whether the user kept them all "always". */
const STORAGE_KEY = 'leadnotify-top-up';

interface TopUpState {
  templateIds: string[];
  always: boolean;
  functionName: string;
}

function readState(): TopUpState | undefined {
  const value = wx.getStorageSync(STORAGE_KEY) as Partial<TopUpState> | '' | undefined;
  if (!value || !Array.isArray(value.templateIds) || typeof value.functionName !== 'string') return undefined;
  return { templateIds: value.templateIds.filter((id): id is string => typeof id === 'string'), always: value.always === true, functionName: value.functionName };
}

function readSetting(): Promise<SubscriptionsSetting | undefined> {
  return new Promise((resolve) => {
    wx.getSetting({
      withSubscriptions: true,
      success: (result) => resolve(result.subscriptionsSetting as SubscriptionsSetting | undefined),
      fail: () => resolve(undefined),
    });
  });
}

/**
 * Asks the function for the lead templates and the stock, and WeChat whether the user kept every one of them "总是保持
 * 以上选择" (wx.getSetting withSubscriptions), and keeps both where a later tap finds them synchronously. The subscribe
 * button does it when it appears; a host page may call it on show.
 */
export async function prepareTopUp(functionName: string): Promise<{ stock: Stock; always: boolean }> {
  const stock = await subscriptionStatus(cloudCallFunction, functionName);
  return { stock, always: await rememberAlways(stock.templates.map((template) => template.templateId), functionName) };
}

/**
 * Reads whether the user kept every lead template "always accept" (after a dialog they may have just ticked it) and keeps
 * it; and tells the CRM what the phone showed, which only the phone knows (the manager's console shows it), without
 * waiting for that.
 */
export async function rememberAlways(templateIds: string[], functionName: string): Promise<boolean> {
  const setting = await readSetting();
  const always = keptAlwaysAccepted(setting, templateIds);
  wx.setStorageSync(STORAGE_KEY, { templateIds, always, functionName } satisfies TopUpState);
  if (setting && templateIds.length > 0) {
    void reportSettings(settingsReportOf(setting, templateIds)).catch((thrown: unknown) =>
      console.warn('leadnotify kit: reporting the subscription settings to the CRM failed', toKitError(thrown).message),
    );
  }
  return always;
}

/** The last report the CRM took, and for whom: the same settings are not sent again on every page. */
const REPORTED_KEY = 'leadnotify-subscription-settings';

function alreadyReported(userId: string | undefined, report: SettingsReport): boolean {
  const last = wx.getStorageSync(REPORTED_KEY) as (Partial<SettingsReport> & { userId?: unknown }) | '' | undefined;
  if (!last || userId === undefined || last.userId !== userId || typeof last.mainSwitch !== 'boolean' || !Array.isArray(last.always)) return false;
  return sameReport({ mainSwitch: last.mainSwitch, always: last.always }, report);
}

async function reportSettings(report: SettingsReport): Promise<void> {
  // Nothing new for the user signed in on this phone: no call at all, not even a sign-in.
  const stored = wx.getStorageSync(SESSION_STORAGE_KEY) as { user?: { id?: unknown } } | '' | undefined;
  if (alreadyReported(stored && typeof stored.user?.id === 'string' ? stored.user.id : undefined, report)) return;
  const { session } = kitSession();
  const user = await session.signIn();
  if (alreadyReported(user.id, report)) return;
  await reportSubscriptionSettings(session.request, report);
  wx.setStorageSync(REPORTED_KEY, { userId: user.id, ...report });
}

/**
 * Call inside a tap handler, before anything is awaited (WeChat opens subscriptions only from a tap). For a user who
 * kept every lead template "always accept", asks for them all: WeChat shows no dialog and each adds one reminder, so
 * the salesperson's ordinary taps keep their reminders coming. Does nothing for anyone else (a dialog on every tap
 * would be a nuisance). The result goes to the function and the CRM as a hint (reportAcceptance); true when it asked.
 */
export function topUpSubscriptions(): boolean {
  const state = readState();
  if (!state?.always || state.templateIds.length === 0) return false;
  wx.requestSubscribeMessage({
    tmplIds: state.templateIds,
    success: (result) => {
      const results = Object.fromEntries(state.templateIds.map((id) => [id, String((result as Record<string, unknown>)[id] ?? '')]));
      Promise.resolve()
        .then(() => reportAcceptance(cloudCallFunction, state.functionName, kitSession().session.request, results))
        .catch((thrown: unknown) => console.warn('leadnotify kit: top-up report failed', toKitError(thrown).message));
    },
    fail: (error) => console.warn('leadnotify kit: top-up', error.errMsg),
  });
  return true;
}
