import { badResponseError } from '../errors/to-wechat-error.js';
import { requestWechat } from '../request-wechat.js';
import { callWithToken } from '../token/call-with-token.js';
import type { ClientState } from '../types.js';

const API = 'wxaapi/newtmpl/gettemplate';
const DEFAULT_TIMEOUT_MS = 5000;

/** One template of the mini program's own list (订阅消息 → 我的模板), as WeChat answers it, with the keywords read from its content. */
export interface SubscribeTemplate {
  /** The id a message is sent with (SUBSCRIBE_TEMPLATE_IDS). */
  priTmplId: string;
  title: string;
  /** One line per keyword: "客户名称:{{thing1.DATA}}\n…". */
  content: string;
  example: string;
  /** 2: one-time subscription; 3: long-term. */
  type: number;
  /** The keywords the content names, in order: thing1, time2, … */
  keywords: string[];
}

const KEYWORD_IN_CONTENT = /\{\{([A-Za-z_]+\d*)\.DATA\}\}/g;

/**
 * GET /wxaapi/newtmpl/gettemplate?access_token= → {errcode, errmsg, data: [{priTmplId, title, content, example, type}]}.
 * https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/getTemplateList.html
 */
export async function getTemplateList(state: ClientState, options: { timeoutMs?: number } = {}): Promise<SubscribeTemplate[]> {
  const body = await callWithToken(state, (accessToken) =>
    requestWechat(
      state,
      { method: 'GET', api: API, query: { access_token: accessToken }, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
      [state.appSecret, accessToken],
    ),
  );
  if (!Array.isArray(body.data)) throw badResponseError(`/${API}`, 'no data list', false);
  return body.data.map((entry: unknown) => {
    const item = (entry ?? {}) as Record<string, unknown>;
    if (typeof item.priTmplId !== 'string' || typeof item.content !== 'string') throw badResponseError(`/${API}`, 'a template without priTmplId or content', false);
    return {
      priTmplId: item.priTmplId,
      title: typeof item.title === 'string' ? item.title : '',
      content: item.content,
      example: typeof item.example === 'string' ? item.example : '',
      type: typeof item.type === 'number' ? item.type : Number(item.type),
      keywords: [...item.content.matchAll(KEYWORD_IN_CONTENT)].map((match) => match[1] as string),
    };
  });
}
