import type { KitErrorCode } from './kit-error.js';

const SERVICE = '服务暂时出了问题，请稍后再试。';

/**
 * What the customer pages say when they cannot show the customer(s); binding codes cannot occur there. crm-api
 * answers a sales user 404 both for a customer that is gone and for one now owned by someone else (docs/api.md),
 * so NOT_FOUND names both; no customer read answers 403.
 */
export const CUSTOMER_MESSAGES: Readonly<Record<KitErrorCode, string>> = {
  NOT_FOUND: '这个客户已不在你名下（可能已分配给他人或被删除）。',
  FORBIDDEN: '你的 CRM 账号无权查看，请联系管理员。',
  // The session signed in and the CRM still refused: the account was deactivated, or the shared secret differs.
  UNAUTHENTICATED: '无法登录 CRM：账号可能已停用，请联系管理员。',
  NOT_BOUND: '这个微信还没有绑定 CRM 账号：请在 CRM 中打开你的“绑定微信”二维码，用微信扫一扫。',
  NETWORK: '网络异常，请检查网络后下拉刷新。',
  SERVICE_ERROR: SERVICE,
  KIT_NOT_CONFIGURED: '小程序配置不完整，请联系管理员。',
  SCENE_INVALID: SERVICE,
  SCENE_EXPIRED: SERVICE,
  SCENE_USED: SERVICE,
  TICKET_INVALID: SERVICE,
  TICKET_EXPIRED: SERVICE,
  TICKET_USED: SERVICE,
  OPENID_BOUND_ELSEWHERE: SERVICE,
};

const STATUS_LABELS: Readonly<Record<string, string>> = {
  new: '新客户',
  contacted: '已联系',
  qualified: '有意向',
  won: '已成交',
  lost: '已流失',
};

/** crm-api's customer status as a label; an unknown status is shown as it is. */
export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

/** An ISO time as Beijing wall-clock time, "2026-11-25 10:30" (China has no daylight saving). */
export function formatBeijingTime(iso: string | null): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}
