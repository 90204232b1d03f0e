import type { KitErrorCode } from './kit-error.js';

export type BindOutcome = 'BOUND' | KitErrorCode;

export interface BindMessage {
  title: string;
  detail: string;
  /** Offer "再试一次": only where trying again can help. */
  retry: boolean;
  /** Offer "解除原绑定并绑定此账号" (moveBinding): only where this WeChat user is bound to another CRM user. */
  move: boolean;
}

const EXPIRED: BindMessage = { title: '二维码已过期', detail: '请在 CRM 中重新生成绑定二维码，再用微信扫一扫。', retry: false, move: false };
const USED: BindMessage = { title: '二维码已被使用', detail: '每个绑定二维码只能用一次。请在 CRM 中重新生成绑定二维码。', retry: false, move: false };
const INVALID: BindMessage = { title: '二维码无效', detail: '请扫描 CRM 中“绑定微信”显示的二维码。', retry: false, move: false };
const SERVICE: BindMessage = { title: '暂时无法绑定', detail: '服务暂时出了问题，请稍后再试；一直不行请联系管理员。', retry: true, move: false };

/** What the bind page says for every way binding can end. A new KitErrorCode does not compile without a line here. */
export const BIND_MESSAGES: Readonly<Record<BindOutcome, BindMessage>> = {
  BOUND: { title: '绑定成功', detail: '有新客户分配给你时，会通过微信服务通知提醒你。', retry: false, move: false },
  SCENE_EXPIRED: EXPIRED,
  TICKET_EXPIRED: EXPIRED,
  SCENE_USED: USED,
  TICKET_USED: USED,
  SCENE_INVALID: INVALID,
  TICKET_INVALID: INVALID,
  OPENID_BOUND_ELSEWHERE: {
    title: '此微信已绑定其他 CRM 账号',
    detail: '一个微信只能绑定一个 CRM 账号。点“解除原绑定并绑定此账号”即可改绑，原账号将不再通过此微信收到提醒。',
    retry: false,
    move: true,
  },
  NETWORK: { title: '网络异常', detail: '没有连上服务器，请检查网络后再试一次。', retry: true, move: false },
  NOT_FOUND: SERVICE,
  NOT_BOUND: SERVICE,
  UNAUTHENTICATED: SERVICE,
  FORBIDDEN: SERVICE,
  SERVICE_ERROR: SERVICE,
  KIT_NOT_CONFIGURED: { title: '小程序配置不完整', detail: '请联系管理员：绑定功能还没有配置好。', retry: false, move: false },
};
