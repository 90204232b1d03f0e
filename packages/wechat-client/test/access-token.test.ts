import { describe, expect, it } from 'vitest';
import { createMemoryTokenStore, WechatError } from '../src/index.js';
import {
  APP_ID,
  APP_SECRET,
  createFakeClock,
  createTestClient,
  invokePath,
  replyStableTokens,
  wechat,
} from './helpers.js';

describe('access token', () => {
  it('asks stable_token with client_credential and force_refresh false, then reuses the cached token', async () => {
    const { scope, bodies } = replyStableTokens(['TOKEN-A']);
    const client = createTestClient();

    const first = await client.getAccessToken();
    const second = await client.getAccessToken();

    expect([first, second]).toEqual(['TOKEN-A', 'TOKEN-A']);
    expect(bodies).toEqual([{ grant_type: 'client_credential', appid: APP_ID, secret: APP_SECRET, force_refresh: false }]);
    expect(client.stats().tokenRequests).toBe(1);
    expect(scope.isDone()).toBe(true);
  });

  it('refreshes the token shortly before expires_in runs out', async () => {
    const clock = createFakeClock();
    replyStableTokens(['TOKEN-A', 'TOKEN-B'], 7200);
    const client = createTestClient({ clock, tokenRefreshMarginMs: 60_000 });

    expect(await client.getAccessToken()).toBe('TOKEN-A');
    clock.advance(7200_000 - 61_000);
    expect(await client.getAccessToken()).toBe('TOKEN-A');
    clock.advance(2_000);
    expect(await client.getAccessToken()).toBe('TOKEN-B');
    expect(client.stats().tokenRequests).toBe(2);
  });

  it('keeps a nearly expired stable token for half of what remains rather than refetching it at once', async () => {
    const clock = createFakeClock();
    replyStableTokens(['TOKEN-A', 'TOKEN-B'], 40);
    const client = createTestClient({ clock, tokenRefreshMarginMs: 60_000 });

    await client.getAccessToken();
    clock.advance(19_000);
    expect(await client.getAccessToken()).toBe('TOKEN-A');
    clock.advance(2_000);
    expect(await client.getAccessToken()).toBe('TOKEN-B');
  });

  it('when 100 callers need a token at once, sends one token request', async () => {
    replyStableTokens(['TOKEN-A']);
    const client = createTestClient();

    const tokens = await Promise.all(Array.from({ length: 100 }, () => client.getAccessToken()));

    expect(new Set(tokens)).toEqual(new Set(['TOKEN-A']));
    expect(client.stats().tokenRequests).toBe(1);
  });

  it('when 100 invocations start on a cold cache, sends one token request', async () => {
    replyStableTokens(['TOKEN-A']);
    wechat().post(invokePath('TOKEN-A')).times(100).reply(200, { errcode: 0, errmsg: 'ok', resp_data: '{"ok":true}' });
    const client = createTestClient();

    const results = await Promise.all(
      Array.from({ length: 100 }, () => client.invokeCloudFunction('quickstartFunctions', { type: 'getOpenId' })),
    );

    expect(results).toHaveLength(100);
    expect(results.every((result) => JSON.stringify(result) === '{"ok":true}')).toBe(true);
    expect(client.stats().tokenRequests).toBe(1);
  });

  it('uses GET /cgi-bin/token in classic mode', async () => {
    const scope = wechat()
      .get('/cgi-bin/token')
      .query({ grant_type: 'client_credential', appid: APP_ID, secret: APP_SECRET })
      .reply(200, { access_token: 'CLASSIC', expires_in: 7200 });
    const client = createTestClient({ tokenMode: 'classic' });

    expect(await client.getAccessToken()).toBe('CLASSIC');
    expect(scope.isDone()).toBe(true);
  });

  it('shares a token between clients through a common token store', async () => {
    replyStableTokens(['SHARED']);
    const tokenStore = createMemoryTokenStore();
    const clock = createFakeClock();
    const first = createTestClient({ tokenStore, clock });
    const second = createTestClient({ tokenStore, clock });

    await first.getAccessToken();
    expect(await second.getAccessToken()).toBe('SHARED');
    expect(second.stats().tokenRequests).toBe(0);
  });

  it('turns a refused AppSecret into a permanent error that says which variable to check', async () => {
    wechat().post('/cgi-bin/stable_token').reply(200, { errcode: 40125, errmsg: 'invalid appsecret rid: 1' });
    const client = createTestClient();

    const error = await client.getAccessToken().catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(WechatError);
    expect(error).toMatchObject({ code: 'APPSECRET_INVALID', errcode: 40125, retryable: false });
    expect((error as Error).message).toContain('MINIPROGRAM_APPSECRET');
  });

  it('a failed token request is not cached: the next caller tries again', async () => {
    wechat().post('/cgi-bin/stable_token').reply(200, { errcode: -1, errmsg: 'system error' });
    replyStableTokens(['TOKEN-B']);
    const client = createTestClient();

    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'SYSTEM_BUSY', retryable: true });
    expect(await client.getAccessToken()).toBe('TOKEN-B');
  });

  it('rejects a token answer without access_token as a bad response', async () => {
    wechat().post('/cgi-bin/stable_token').reply(200, { expires_in: 7200 });
    const client = createTestClient();

    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it('refuses to build a client without credentials, naming every missing option', () => {
    expect(() => createTestClient({ appId: '', appSecret: ' ' })).toThrow(/appId is required; appSecret is required/);
  });
});
