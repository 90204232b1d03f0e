import type { KitErrorCode } from './kit-error.js';

export type ConsoleSignInOutcome = 'CONFIRMED' | 'CANCELLED' | KitErrorCode;

const SERVICE = '服务暂时出了问题，请稍后再试。';
const REFRESH = '二维码已失效，请在电脑上刷新后重新扫码。';

/** What the console sign-in page says for every way confirming can end. A new KitErrorCode does not compile without a line here. */
export const CONSOLE_SIGN_IN_MESSAGES: Readonly<Record<ConsoleSignInOutcome, string>> = {
  CONFIRMED: '已登录，请回到电脑',
  CANCELLED: '已取消，电脑不会登录。',
  SCENE_EXPIRED: '二维码已过期，请在电脑上刷新',
  SCENE_USED: REFRESH,
  SCENE_INVALID: '这不是 CRM 控制台的登录二维码。',
  NOT_BOUND: '这个微信还没有绑定 CRM 账号：请先扫描 CRM 中你的“绑定微信”二维码。',
  UNAUTHENTICATED: '无法登录 CRM：账号可能已停用，请联系管理员。',
  FORBIDDEN: '你的 CRM 账号不能登录控制台，请联系管理员。',
  NETWORK: '网络异常，请检查网络后再试。',
  KIT_NOT_CONFIGURED: '小程序配置不完整，请联系管理员。',
  NOT_FOUND: SERVICE,
  SERVICE_ERROR: SERVICE,
  TICKET_INVALID: SERVICE,
  TICKET_EXPIRED: SERVICE,
  TICKET_USED: SERVICE,
  OPENID_BOUND_ELSEWHERE: SERVICE,
};
