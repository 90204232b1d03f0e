import type { WechatApi } from '@leadnotify/contracts';
import { badResponseError, errorFromErrcode, errorFromHttpStatus, errorFromTransport } from './errors/to-wechat-error.js';
import { WechatError } from './errors/wechat-error.js';
import type { ClientState } from './types.js';

/** The APIs this client calls over HTTP, named by their path without the leading slash (contracts' WECHAT_APIS). */
export type WechatHttpApi = Exclude<WechatApi, 'subscribeMessage.send'>;

export interface WechatRequest {
  method: 'GET' | 'POST';
  /** The API called, e.g. cgi-bin/stable_token: its path is `/${api}`; errors name it, and its errcodes are read as its own. */
  api: WechatHttpApi;
  query?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

export type WechatBody = Record<string, unknown> & { errcode?: number; errmsg?: string };

/** What a request needs of a client: its transport, host, clock and request hook (WeChat's client and WeCom's alike). */
export type RequestState = Pick<ClientState, 'http' | 'baseUrl' | 'clock' | 'onRequest'>;

/**
 * Sends one request and returns WeChat's JSON body when errcode is absent or 0; anything else becomes a
 * WechatError. Secrets known to the state are stripped from every message.
 */
export function requestWechat(state: RequestState, request: WechatRequest, secrets: string[]): Promise<WechatBody> {
  return instrumented(state, pathOf(request), async () => {
    const response = await send(state, request, secrets, 'json');
    return jsonBody(request.api, response.data, secrets);
  });
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * For APIs that answer an image on success and JSON `{errcode, errmsg}` on failure (getwxacodeunlimit):
 * returns the bytes when the content type is image/* or they start with the PNG signature.
 */
export function requestWechatImage(state: RequestState, request: WechatRequest, secrets: string[]): Promise<Buffer> {
  return instrumented(state, pathOf(request), async () => {
    const response = await send(state, request, secrets, 'arraybuffer');
    const bytes = Buffer.from(response.data as ArrayBuffer);
    const contentType = String(response.headers['content-type'] ?? '');
    if (contentType.startsWith('image/') || bytes.subarray(0, PNG_MAGIC.length).equals(PNG_MAGIC)) return bytes;
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw badResponseError(pathOf(request), 'neither an image nor JSON', true);
    }
    jsonBody(request.api, body, secrets);
    throw badResponseError(pathOf(request), 'JSON without an errcode instead of an image', false);
  });
}

async function instrumented<T>(state: RequestState, api: string, call: () => Promise<T>): Promise<T> {
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

async function send(state: RequestState, request: WechatRequest, secrets: string[], responseType: 'json' | 'arraybuffer') {
  const api = pathOf(request);
  let response;
  try {
    response = await state.http.request({
      method: request.method,
      baseURL: state.baseUrl,
      url: api,
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

/** The URL path: the API's name, less a `qyapi/` that names WeCom's host (the client's baseUrl). */
function pathOf(request: WechatRequest): string {
  return `/${request.api.replace(/^qyapi\//, '')}`;
}

function jsonBody(api: WechatHttpApi, body: unknown, secrets: string[]): WechatBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badResponseError(`/${api}`, 'a body that is not a JSON object', true);
  }
  const wechatBody = body as WechatBody;
  const errcode = wechatBody.errcode;
  if (errcode !== undefined && errcode !== 0) {
    if (typeof errcode !== 'number') throw badResponseError(`/${api}`, 'a non-numeric errcode', true);
    throw errorFromErrcode(api, errcode, String(wechatBody.errmsg ?? ''), secrets);
  }
  return wechatBody;
}
