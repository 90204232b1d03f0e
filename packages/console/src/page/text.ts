import { REASON_WORDS } from '@leadnotify/contracts';
import type { Channel, NotificationStatus, Role } from './types.js';

export const ROLE_TEXT: Record<Role, string> = { admin: '管理员', manager: '销售经理', sales: '销售' };

export const STATUS_TEXT: Record<NotificationStatus, string> = {
  pending: '等待发送',
  sending: '发送中',
  sent: '已发送',
  unconfirmed: '未确认',
  skipped: '已跳过',
  withdrawn: '已撤回',
  failed: '失败',
  dead: '已放弃',
};

export const STATUS_COLOR: Record<NotificationStatus, string> = {
  pending: '#5b8def',
  sending: '#9db9f5',
  sent: '#2e9d5b',
  unconfirmed: '#e0a100',
  skipped: '#8a8f98',
  withdrawn: '#c9ccd1',
  failed: '#d9463b',
  dead: '#8c1d18',
};

export const CHANNEL_TEXT: Record<Channel | 'wechat', string> = { 'wechat-subscribe': '微信订阅消息', wechat: '微信订阅消息', wecom: '企业微信' };

/** A reason in the page's words; for a code the page does not know, the API's words (`reasonText`), else the code. */
export function reasonText(code: string | null | undefined, apiWords?: string | null): string {
  if (!code) return apiWords ?? '—';
  return (REASON_WORDS as Record<string, { text: string } | undefined>)[code]?.text ?? apiWords ?? code;
}

export function reasonFix(code: string | null | undefined): string | undefined {
  if (!code) return undefined;
  return (REASON_WORDS as Record<string, { fix: string } | undefined>)[code]?.fix;
}

/** What the API's error codes mean to the person at the console; otherwise its own message. */
const ERROR_TEXT: Record<string, string> = {
  FORBIDDEN: '没有权限执行此操作。',
  CSRF_REJECTED: '页面已过期，请刷新后重试。',
  WECOM_USER_ID_TAKEN: '这个企业微信账号已经属于另一位用户。',
  NOTIFICATION_NOT_RETRYABLE: '这条通知正在发送或已发送，不能重发。',
  BINDING_NOT_CONFIGURED: '服务器未配置绑定（LEADNOTIFY_SHARED_SECRET），无法生成绑定二维码。',
  WECHAT_NOT_CONFIGURED: '服务器未配置微信，无法生成二维码。',
  USER_INACTIVE: '该用户已停用。',
  TOO_MANY_SIGN_IN_SCANS: '生成登录二维码过于频繁，请一分钟后再试。',
};

export function errorText(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' && ERROR_TEXT[error.code]) return ERROR_TEXT[error.code] as string;
  if (error instanceof Error) return error.message;
  return String(error);
}

const beijing = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** Times read in Beijing time, as the team lives it. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : beijing.format(date).replaceAll('/', '-');
}

export function formatDay(iso: string | null | undefined): string {
  return formatTime(iso).slice(0, 10);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}毫秒`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}秒`;
  if (ms < 3_600_000) return `${Math.round(ms / 6000) / 10}分钟`;
  return `${Math.round(ms / 360_000) / 10}小时`;
}
