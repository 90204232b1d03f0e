import { reasonOf, type ReasonCode } from '@leadnotify/contracts';
import type { Expectation } from './reachability.js';

/**
 * Every Chinese text the console shows a manager, in one table: why a lead was not delivered (the reasons a manager
 * meets on the team page and in the notification list; any other reason shows the reason table's summary), and
 * whether the next lead would be heard. What to do about a reason stays in the reason table (`fix`).
 */
const REASON_WORDS: Partial<Record<ReasonCode, string>> = {
  SENT: '已发送',
  ALREADY_SENT: '已发送（此前的尝试已送达）',
  NOT_BOUND: '未绑定微信',
  NO_SUBSCRIPTION: '没有可用的订阅次数',
  NO_LONGER_ASSIGNED: '客户已转给他人，未发送',
  ASSIGNEE_INACTIVE: '销售已停用，未发送',
  RECALLED: '已撤回，未发送',
  WECOM_USER_INVALID: '企业微信账号无效',
  WECOM_NOT_SET: '未设置企业微信账号',
  WECOM_MEMBER_LIMIT: '企业微信发送过于频繁，稍后再发',
  WECOM_UNANSWERED: '企业微信未应答',
  NO_RECEIPT: '未收到微信的送达回执',
  OPENID_INVALID: '绑定的微信无效，需要重新绑定',
  DAILY_QUOTA_EXCEEDED: '今日微信发送额度已用完',
  RATE_LIMITED: '微信限流，稍后重试',
  SYSTEM_BUSY: '微信系统繁忙，稍后重试',
  TIMEOUT: '请求超时，稍后重试',
  NETWORK: '网络错误，稍后重试',
};

/** A reason in words and what to do about it; a code outside the reason table is shown as it is. */
export function reasonInWords(code: string): { text: string; fix: string | null } {
  const reason = reasonOf(code);
  if (!reason) return { text: code, fix: null };
  return { text: REASON_WORDS[code as ReasonCode] ?? reason.summary, fix: reason.fix };
}

export type NextLeadChannel = 'wechat' | 'wecom';

/** Whether the next lead would be heard, and how, in words. */
export function nextLeadText(expected: Expectation, channel: NextLeadChannel | null): string {
  switch (expected) {
    case 'reachable':
      return channel === 'wecom' ? '会立即收到（企业微信）' : '会立即收到';
    case 'unreachable: NOT_BOUND':
      return '不会收到：未绑定';
    case 'unreachable: NO_SUBSCRIPTION':
      return '不会收到：没有可用的订阅次数';
    case 'unknown':
      return '尚不确定：微信还没有告诉我们';
  }
}
