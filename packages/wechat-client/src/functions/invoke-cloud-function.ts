import { badResponseError } from '../errors/to-wechat-error.js';
import { requestWechat } from '../request-wechat.js';
import { callWithToken } from '../token/call-with-token.js';
import type { ClientState, InvokeOptions } from '../types.js';

const API = 'tcb/invokecloudfunction';
const PATH = `/${API}`;

/**
 * POST /tcb/invokecloudfunction?access_token=&env=&name= with the event as the raw JSON body.
 * WeChat answers {errcode, errmsg, resp_data} where resp_data is the function's return value as a JSON
 * string, and waits at most 5 s for the function.
 * https://developers.weixin.qq.com/miniprogram/dev/wxcloud/reference-http-api/functions/invokeCloudFunction.html
 */
export async function invokeCloudFunction<T = unknown>(
  state: ClientState,
  name: string,
  event: Record<string, unknown>,
  options: InvokeOptions = {},
): Promise<T> {
  if (name.trim() === '') throw new TypeError('invokeCloudFunction: the function name is empty');
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new TypeError('invokeCloudFunction: the event must be a JSON object');
  }
  const env = options.env ?? state.cloudEnv;
  const timeoutMs = options.timeoutMs ?? state.invokeTimeoutMs;
  return callWithToken(state, async (accessToken) => {
    const startedAt = state.clock.now();
    const body = await requestWechat(
      state,
      { method: 'POST', api: API, query: { access_token: accessToken, env, name }, body: event, timeoutMs },
      [state.appSecret, accessToken],
    );
    state.logger.debug({ api: PATH, env, name, durationMs: state.clock.now() - startedAt }, 'cloud function invoked');
    return parseRespData<T>(body.resp_data);
  });
}

function parseRespData<T>(respData: unknown): T {
  if (typeof respData !== 'string') throw badResponseError(PATH, 'no resp_data string', false);
  if (respData === '') return undefined as T;
  try {
    return JSON.parse(respData) as T;
  } catch {
    throw badResponseError(PATH, 'a resp_data that is not JSON', false);
  }
}
