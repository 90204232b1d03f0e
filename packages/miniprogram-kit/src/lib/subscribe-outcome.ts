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

/** The success callback's `{errMsg, [templateId]: result}`; a result the kit does not know is a failure. */
export function outcomeOfResult(result: Record<string, unknown>, templateId: string): SubscribeOutcome {
  const value = result[templateId];
  return (typeof value === 'string' ? BY_RESULT[value] : undefined) ?? 'FAILED';
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
  ACCEPTED: { text: '已订阅一次新客户提醒。', event: 'subscribed', openSetting: false },
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

/**
 * The stock after WeChat counted one more acceptance. The function's `remaining` is only a hint: WeChat's push
 * of this acceptance (subscribe_msg_popup_event) can reach it after the report, and then it answers the count
 * before this tap. The tap itself is certain, so the stock is at least the previous count + 1 (an unknown count
 * as 0), and more when the function already knows of more (pushes of earlier taps).
 */
export function stockAfterAcceptance(previous: number, reported: number | undefined): number {
  const before = Number.isFinite(previous) && previous >= 0 ? previous : 0;
  return Math.max(before + 1, reported !== undefined && Number.isFinite(reported) ? reported : 0);
}

/**
 * Each acceptance lets the CRM send one message, so a user who accepts once gets one reminder and then
 * silence. `remaining` is the count the host set or the button worked out; unknown (undefined or negative)
 * shows only the invitation.
 */
export function stockText(remaining: number | undefined): string {
  const invite = '每条提醒会用掉一次订阅，多点几次可以多攒几条。';
  if (remaining === undefined || remaining < 0 || !Number.isFinite(remaining)) return invite;
  if (remaining === 0) return `还能收到 0 条提醒。${invite}`;
  return `还能收到 ${remaining} 条提醒。${invite}`;
}
