import type { ReasonCode } from '@leadnotify/contracts';
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

/**
 * Every reason of the contracts' table (REASONS) in words a manager reads, with what to do where someone in the
 * team can act. A reason added there does not compile here until it is written.
 */
export const REASON_TEXT: Record<ReasonCode, { text: string; fix?: string }> = {
  SENT: { text: '已发送' },
  ALREADY_SENT: { text: '之前的尝试已发送，未重复发送' },
  NOT_BOUND: { text: '未绑定', fix: '请该销售用微信扫描“绑定二维码”，在小程序里完成绑定；绑定后点“重发跳过的通知”。' },
  NO_LONGER_ASSIGNED: { text: '客户已转给他人，未发送' },
  ASSIGNEE_INACTIVE: { text: '销售已停用，未发送', fix: '把他的客户分配给在职的销售，新负责人会收到通知。' },
  RECALLED: { text: '发送前已撤回' },
  NO_SUBSCRIPTION: { text: '没有剩余的订阅次数', fix: '请该销售打开小程序，点“接收线索提醒”并选择允许（每次允许可收一条）；之后会自动补发。' },
  TEMPLATE_DATA_INVALID: { text: '微信拒绝了模板内容（47003）', fix: '核对云函数的 SUBSCRIBE_TEMPLATE_KEYWORDS 与小程序后台的模板关键词。' },
  TEMPLATE_INVALID: { text: '微信不认识模板 ID（40037）', fix: '核对模板 ID 配置。' },
  PAGE_INVALID: { text: '小程序页面不存在（41030）', fix: '发布包含该页面的小程序版本。' },
  SCENE_INVALID: { text: '小程序码参数无效' },
  OPENID_INVALID: { text: '绑定的微信用户不属于本小程序（40003）', fix: '请该销售重新绑定。' },
  OPENAPI_PERMISSION_DENIED: { text: '云函数无权调用开放接口', fix: '在云函数的 config.json 中声明 openapi 权限后重新部署。' },
  CONFIG_INVALID: { text: '云函数配置不完整', fix: '按错误信息补全云函数的环境变量。' },
  INVALID_EVENT: { text: '云函数拒绝了格式错误的请求' },
  UNKNOWN_TYPE: { text: '云函数版本过旧', fix: '重新部署云函数。' },
  INVALID_NOTIFICATION: { text: '云函数拒绝了这一条通知' },
  FORBIDDEN: { text: '云函数拒绝了调用（密钥不一致）', fix: '核对 LEADNOTIFY_SHARED_SECRET 是否与云函数一致。' },
  TICKET_INVALID: { text: '绑定凭证无效' },
  TICKET_EXPIRED: { text: '绑定凭证已过期' },
  TICKET_USED: { text: '绑定凭证已使用' },
  INTERNAL_ERROR: { text: '云函数内部错误，会自动重试' },
  FUNCTION_STORE_ERROR: { text: '云函数数据库出错，会自动重试' },
  IN_PROGRESS: { text: '另一个进程正在发送' },
  NOT_ATTEMPTED: { text: '本批来不及发送，稍后再发' },
  SEND_INTERRUPTED: { text: '发送被中断，会自动重试' },
  NO_RECEIPT: { text: '微信未回执，已重新发送' },
  DELIVERY_FAILED: { text: '微信回执：未送达', fix: '请该销售检查微信是否关闭了小程序的消息提醒。' },
  OPENID_BOUND_ELSEWHERE: { text: '该微信已绑定另一个账号', fix: '解除另一个账号的绑定后重新绑定。' },
  WECHAT_ERROR: { text: '微信云服务出错，会自动重试' },
  UNKNOWN_ERRCODE: { text: '微信返回了未知错误码', fix: '查看故障排查文档。' },
  SYSTEM_BUSY: { text: '微信繁忙，会自动重试' },
  TOKEN_REJECTED: { text: '微信拒绝了 access token，会自动重试' },
  REQUEST_INVALID: { text: '微信拒绝了格式错误的请求' },
  WECOM_USER_INVALID: { text: '企业微信不认识该账号', fix: '核对该销售的企业微信账号，并确认他在应用的可见范围内。' },
  WECOM_NOT_SET: { text: '未设置企业微信账号', fix: '管理员在“团队触达”里为他设置企业微信账号。' },
  WECOM_MEMBER_LIMIT: { text: '企业微信每人每分钟限 30 条，稍后再发' },
  WECOM_UNANSWERED: { text: '企业微信未应答，会自动重试' },
  WECOM_SECRET_INVALID: { text: '企业微信应用 Secret 错误', fix: '核对 WECOM_AGENT_SECRET。' },
  WECOM_CORP_INVALID: { text: '企业微信企业 ID 错误', fix: '核对 WECOM_CORP_ID。' },
  WECOM_AGENT_INVALID: { text: '企业微信应用 ID 错误', fix: '核对 WECOM_AGENT_ID。' },
  WECOM_IP_NOT_TRUSTED: { text: '服务器 IP 不在企业微信可信 IP 中（60020）', fix: '在企业微信应用设置里添加服务器的出口 IP。' },
  WECOM_PERMISSION_DENIED: { text: '企业微信应用无权调用该接口（48002）' },
  APPID_INVALID: { text: '微信拒绝了 AppID', fix: '核对 MINIPROGRAM_APPID。' },
  APPSECRET_INVALID: { text: '微信拒绝了 AppSecret', fix: '核对 MINIPROGRAM_APPSECRET。' },
  IP_NOT_WHITELISTED: { text: '服务器 IP 不在小程序 IP 白名单中', fix: '在小程序后台添加服务器的出口 IP。' },
  ADMIN_CONFIRMATION_REQUIRED: { text: '等待小程序管理员确认服务器 IP（89503）', fix: '请小程序管理员在微信中确认。' },
  DAILY_QUOTA_EXCEEDED: { text: '今日微信接口额度已用完，次日重试' },
  RATE_LIMITED: { text: '调用过于频繁，会自动重试' },
  CODE_RATE_LIMITED: { text: '小程序码生成过于频繁' },
  CLOUD_NOT_ENABLED: { text: '小程序未开通云开发', fix: '开通云开发并部署云函数。' },
  CLOUD_ENV_INVALID: { text: '云环境或函数名错误', fix: '核对 MINIPROGRAM_CLOUD_ENV 与 WECHAT_CLOUD_FUNCTION。' },
  CLOUD_QUOTA_EXCEEDED: { text: '云环境调用额度已用完' },
  FUNCTION_NOT_FOUND: { text: '云函数未部署', fix: '在微信开发者工具中部署云函数。' },
  FUNCTION_FAILED: { text: '云函数运行出错', fix: '查看云函数日志。' },
  FUNCTION_TIMEOUT: { text: '云函数超时，会自动重试' },
  TIMEOUT: { text: '微信未及时应答，会自动重试' },
  NETWORK: { text: '连不上微信，会自动重试' },
  HTTP_STATUS: { text: '微信返回 HTTP 错误，会自动重试' },
  BAD_RESPONSE: { text: '微信的应答无法识别，会自动重试' },
  NO_RESULT: { text: '云函数没有返回结果，会自动重试' },
  BAD_RESULT: { text: '云函数的结果无法识别，会自动重试' },
  UNEXPECTED_ERROR: { text: '通知程序意外出错，会自动重试', fix: '查看 crm-api 的错误日志。' },
};

/** A reason in the page's words; for a code the page does not know, the API's words (`reasonText`), else the code. */
export function reasonText(code: string | null | undefined, apiWords?: string | null): string {
  if (!code) return apiWords ?? '—';
  return (REASON_TEXT as Record<string, { text: string } | undefined>)[code]?.text ?? apiWords ?? code;
}

export function reasonFix(code: string | null | undefined): string | undefined {
  if (!code) return undefined;
  return (REASON_TEXT as Record<string, { fix?: string } | undefined>)[code]?.fix;
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
