import { TOKEN_ERRCODES } from '@leadnotify/contracts';
import { isWechatError } from '../errors/wechat-error.js';
import type { ClientState } from '../types.js';
import { getAccessToken, replaceRejectedToken } from './get-access-token.js';

/**
 * Runs an API call with the current token. When WeChat says the token is invalid or expired
 * (40001, 40014, 42001), gets another token and retries exactly once; a second rejection is thrown.
 */
export async function callWithToken<T>(state: ClientState, call: (accessToken: string) => Promise<T>): Promise<T> {
  const token = await getAccessToken(state);
  try {
    return await call(token);
  } catch (error) {
    if (!isWechatError(error) || error.errcode === undefined || !TOKEN_ERRCODES.has(error.errcode)) throw error;
    state.logger.warn({ api: error.api, errcode: error.errcode }, 'WeChat rejected the access token; refreshing and retrying once');
    const replacement = await replaceRejectedToken(state, token);
    if (replacement === undefined) throw error;
    return call(replacement);
  }
}
