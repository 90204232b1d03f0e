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
export function requestWechat(state: ClientState, request: WechatRequest, secrets: string[]): Promise<WechatBody> {
  return instrumented(state, request.path, async () => {
    const response = await send(state, request, secrets, 'json');
    return jsonBody(request.path, response.data, secrets);
  });
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * For APIs that answer an image on success and JSON `{errcode, errmsg}` on failure (getwxacodeunlimit):
 * returns the bytes when the content type is image/* or they start with the PNG signature.
 */
export function requestWechatImage(state: ClientState, request: WechatRequest, secrets: string[]): Promise<Buffer> {
  return instrumented(state, request.path, async () => {
    const response = await send(state, request, secrets, 'arraybuffer');
    const bytes = Buffer.from(response.data as ArrayBuffer);
    const contentType = String(response.headers['content-type'] ?? '');
    if (contentType.startsWith('image/') || bytes.subarray(0, PNG_MAGIC.length).equals(PNG_MAGIC)) return bytes;
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw badResponseError(request.path, 'neither an image nor JSON', true);
    }
    jsonBody(request.path, body, secrets);
    throw badResponseError(request.path, 'JSON without an errcode instead of an image', false);
  });
}

async function instrumented<T>(state: ClientState, api: string, call: () => Promise<T>): Promise<T> {
  const startedAt = state.clock.now();
  try {
    const result = await call();
    state.onRequest({ api, durationMs: state.clock.now() - startedAt, outcome: 'ok' });
    return result;
  } catch (error) {
    const failure = error instanceof WechatError ? error : undefined;
    state.onRequest({
      api,
      durationMs: state.clock.now() - startedAt,
      outcome: failure?.code ?? 'UNEXPECTED',
      ...(failure?.errcode === undefined ? {} : { errcode: failure.errcode }),
    });
    throw error;
  }
}

async function send(state: ClientState, request: WechatRequest, secrets: string[], responseType: 'json' | 'arraybuffer') {
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
      responseType,
      headers: { 'content-type': 'application/json' },
    });
  } catch (thrown) {
    throw errorFromTransport(api, thrown, request.timeoutMs, secrets);
  }
  if (response.status < 200 || response.status >= 300) throw errorFromHttpStatus(api, response.status);
  return response;
}

function jsonBody(api: string, body: unknown, secrets: string[]): WechatBody {
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
