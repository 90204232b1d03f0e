import { badResponseError, errorFromErrcode, errorFromHttpStatus, errorFromTransport } from './errors/to-wechat-error.js';
import { WechatError } from './errors/wechat-error.js';
import type { ClientState } from './types.js';

export interface WechatRequest {
  method: 'GET' | 'POST';
  /** Path without query, e.g. /cgi-bin/stable_token; also names the API in errors. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

export type WechatBody = Record<string, unknown> & { errcode?: number; errmsg?: string };

/**
 * Sends one request and returns WeChat's JSON body when errcode is absent or 0; anything else becomes a
 * WechatError. Secrets known to the state are stripped from every message.
 */
export async function requestWechat(state: ClientState, request: WechatRequest, secrets: string[]): Promise<WechatBody> {
  const startedAt = state.clock.now();
  try {
    const body = await sendRequest(state, request, secrets);
    state.onRequest({ api: request.path, durationMs: state.clock.now() - startedAt, outcome: 'ok' });
    return body;
  } catch (error) {
    const failure = error instanceof WechatError ? error : undefined;
    state.onRequest({
      api: request.path,
      durationMs: state.clock.now() - startedAt,
      outcome: failure?.code ?? 'UNEXPECTED',
      ...(failure?.errcode === undefined ? {} : { errcode: failure.errcode }),
    });
    throw error;
  }
}

async function sendRequest(state: ClientState, request: WechatRequest, secrets: string[]): Promise<WechatBody> {
  const api = request.path;
  let response;
  try {
    response = await state.http.request({
      method: request.method,
      baseURL: state.baseUrl,
      url: request.path,
      params: request.query,
      data: request.body,
      timeout: request.timeoutMs,
      validateStatus: () => true,
      responseType: 'json',
      headers: { 'content-type': 'application/json' },
    });
  } catch (thrown) {
    throw errorFromTransport(api, thrown, request.timeoutMs, secrets);
  }
  if (response.status < 200 || response.status >= 300) throw errorFromHttpStatus(api, response.status);
  const body: unknown = response.data;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badResponseError(api, 'a body that is not a JSON object', true);
  }
  const wechatBody = body as WechatBody;
  const errcode = wechatBody.errcode;
  if (errcode !== undefined && errcode !== 0) {
    if (typeof errcode !== 'number') throw badResponseError(api, 'a non-numeric errcode', true);
    throw errorFromErrcode(api, errcode, String(wechatBody.errmsg ?? ''), secrets);
  }
  return wechatBody;
}
