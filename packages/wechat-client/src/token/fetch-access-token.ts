import { badResponseError } from '../errors/to-wechat-error.js';
import { requestWechat } from '../request-wechat.js';
import type { CachedToken, ClientState } from '../types.js';

/**
 * One token request to WeChat.
 * stable_token: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html
 * token: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html
 */
export async function fetchAccessToken(state: ClientState, forceRefresh: boolean): Promise<CachedToken> {
  state.tokenRequests += 1;
  const secrets = [state.appSecret];
  const body =
    state.tokenMode === 'stable'
      ? await requestWechat(
          state,
          {
            method: 'POST',
            api: 'cgi-bin/stable_token',
            body: {
              grant_type: 'client_credential',
              appid: state.appId,
              secret: state.appSecret,
              force_refresh: forceRefresh,
            },
            timeoutMs: state.tokenTimeoutMs,
          },
          secrets,
        )
      : await requestWechat(
          state,
          {
            method: 'GET',
            api: 'cgi-bin/token',
            query: { grant_type: 'client_credential', appid: state.appId, secret: state.appSecret },
            timeoutMs: state.tokenTimeoutMs,
          },
          secrets,
        );
  const accessToken = body.access_token;
  const expiresIn = body.expires_in;
  if (typeof accessToken !== 'string' || accessToken === '' || typeof expiresIn !== 'number' || expiresIn <= 0) {
    throw badResponseError(state.tokenMode === 'stable' ? '/cgi-bin/stable_token' : '/cgi-bin/token', 'no usable access_token/expires_in', true);
  }
  return { accessToken, expiresAt: state.clock.now() + usableLifetimeMs(expiresIn * 1000, state.tokenRefreshMarginMs) };
}

/**
 * stable_token may hand out a token with only minutes left (its expires_in counts down), so the margin
 * never eats more than half of what remains.
 */
function usableLifetimeMs(expiresInMs: number, marginMs: number): number {
  return Math.max(expiresInMs - marginMs, expiresInMs / 2);
}
