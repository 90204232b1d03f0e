/**
 * What one tap on the subscribe button came to. Per-template results of wx.requestSubscribeMessage:
 * accept | reject | ban (template banned by WeChat) | filter (template filtered, e.g. same title as
 * another); newer clients also answer acceptWithAudio / acceptWithAlert, which are acceptances.
 * errCode 20004 on fail: the user turned the main subscribe switch off.
 * Source: https://developers.weixin.qq.com/miniprogram/dev/api/open-api/subscribe-message/wx.requestSubscribeMessage.html
 */
export type SubscribeOutcome = 'ACCEPTED' | 'REJECTED' | 'BANNED' | 'FILTERED' | 'SWITCH_OFF' | 'FAILED';

const BY_RESULT: Readonly<Record<string, SubscribeOutcome>> = {
  accept: 'ACCEPTED',
  acceptWithAudio: 'ACCEPTED',
  acceptWithAlert: 'ACCEPTED',
  reject: 'REJECTED',
  ban: 'BANNED',
  filter: 'FILTERED',
};

export interface TapSummary {
  outcome: SubscribeOutcome;
  /** How many of the templates asked for were accepted: each allows one more message. */
  accepted: number;
  /** Each template's result as wx answered it, without errMsg. */
  results: Record<string, string>;
}

/**
 * The success callback's `{errMsg, [templateId]: result}` for the templates asked for. Any acceptance makes the tap
 * ACCEPTED (with how many); otherwise a template WeChat filtered or banned is worth an admin's look, and all
 * declined is REJECTED. A result the kit does not know counts as a failure.
 */
export function summarizeTap(result: Record<string, unknown>, templateIds: readonly string[]): TapSummary {
  const results = Object.fromEntries(templateIds.map((id) => [id, typeof result[id] === 'string' ? (result[id] as string) : 'missing']));
  const outcomes = Object.values(results).map((value) => BY_RESULT[value] ?? 'FAILED');
  const accepted = outcomes.filter((outcome) => outcome === 'ACCEPTED').length;
  const worst = (['FAILED', 'BANNED', 'FILTERED'] as const).find((outcome) => outcomes.includes(outcome));
  return { outcome: accepted > 0 ? 'ACCEPTED' : (worst ?? 'REJECTED'), accepted, results };
}

const MAIN_SWITCH_OFF = 20004;

/** The fail callback's `{errMsg, errCode}`. */
export function outcomeOfFailure(error: { errCode?: unknown }): SubscribeOutcome {
  return error.errCode === MAIN_SWITCH_OFF ? 'SWITCH_OFF' : 'FAILED';
}

export interface SubscribeView {
  /** What the component shows under its button. */
  text: string;
  /** The component event the host receives. */
  event: 'subscribed' | 'rejected' | 'error';
  /** Show the "去设置" button that calls wx.openSetting. */
  openSetting: boolean;
}

export const SUBSCRIBE_VIEWS: Readonly<Record<SubscribeOutcome, SubscribeView>> = {
  ACCEPTED: { text: '已订阅新客户提醒。', event: 'subscribed', openSetting: false },
  REJECTED: { text: '你没有同意这次订阅，所以收不到新客户提醒。需要时再点一次按钮即可。', event: 'rejected', openSetting: false },
  BANNED: { text: '这个提醒模板已被微信停用，暂时无法订阅，请联系管理员。', event: 'error', openSetting: false },
  FILTERED: { text: '这个提醒模板被微信过滤了（可能与其他模板同名），请联系管理员。', event: 'error', openSetting: false },
  SWITCH_OFF: {
    text: '你关闭了本小程序的订阅消息总开关。请点“去设置”，打开“订阅消息”后再点一次按钮。',
    event: 'error',
    openSetting: true,
  },
  FAILED: { text: '订阅没有成功，请稍后再点一次。', event: 'error', openSetting: false },
};

/** What the button says after a tap: for an acceptance, how many reminders it added. */
export function tapText(summary: TapSummary): string {
  return summary.outcome === 'ACCEPTED' ? `已订阅 ${summary.accepted} 条新客户提醒。` : SUBSCRIBE_VIEWS[summary.outcome].text;
}

/**
 * The stock after WeChat counted this tap's acceptances. The function's count is only a hint: WeChat's push of them
 * (subscribe_msg_popup_event) can reach it after the report, and then it answers the count before this tap. The tap
 * itself is certain, so the stock is at least the previous count + the acceptances (an unknown count as 0), and
 * more when the function already knows of more (pushes of earlier taps).
 */
export function stockAfterAcceptance(previous: number, accepted: number, reported: number | undefined): number {
  const before = Number.isFinite(previous) && previous >= 0 ? previous : 0;
  return Math.max(before + accepted, reported !== undefined && Number.isFinite(reported) ? reported : 0);
}

/**
 * Each acceptance lets the CRM send one message, so a user who accepts once gets one reminder per template and then
 * silence; the end of the stock is said plainly. `remaining` is the count the button knows (unknown: undefined or
 * negative, shows only the invitation); `perTap`, how many templates one tap asks for.
 */
export function stockText(remaining: number | undefined, perTap = 1): string {
  const invite = perTap > 1 ? `每条提醒用掉一次订阅；点一次按钮并全部允许，可以攒 ${perTap} 条。` : '每条提醒会用掉一次订阅，多点几次可以多攒几条。';
  if (remaining === undefined || remaining < 0 || !Number.isFinite(remaining)) return invite;
  if (remaining === 0) return `提醒已经用完：新分给你的客户不会再通知你。${invite}`;
  return `还能收到 ${remaining} 条提醒。${invite}`;
}

/** wx.getSetting({withSubscriptions: true}).subscriptionsSetting: itemSettings lists only templates kept "always". */
export interface SubscriptionsSetting {
  mainSwitch?: boolean;
  itemSettings?: Record<string, unknown>;
}

/**
 * Whether the user ticked "总是保持以上选择，不再询问" and accepted, for every lead template, with subscribe messages on:
 * then a call for them shows no dialog and still allows one message each. Source: developers.weixin.qq.com
 * miniprogram/dev/api/open-api/setting/wx.getSetting.html (itemSettings: only templates kept "always").
 */
export function keptAlwaysAccepted(setting: SubscriptionsSetting | undefined, templateIds: readonly string[]): boolean {
  if (!setting || setting.mainSwitch === false || templateIds.length === 0) return false;
  return templateIds.every((id) => setting.itemSettings?.[id] === 'accept');
}

/** What the button says about "always": how to keep reminders coming without tapping it, or that they are. */
export function alwaysText(always: boolean): string {
  return always
    ? '已开启自动续订：你在小程序里打开客户、查看列表时，都会自动续上提醒，不再弹窗。'
    : '不想每次都来点这个按钮？在弹窗里勾选“总是保持以上选择，不再询问”再点“允许”，之后你在小程序里打开客户、查看列表时，都会自动续上提醒。';
}
