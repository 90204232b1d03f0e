import { describe, expect, it } from 'vitest';
import { createFakeClock, createTestClient, invokePath, replyStableTokens, wechat } from './helpers.js';

describe('invokeCloudFunction', () => {
  it('posts the event as the raw JSON body with token, env and name in the query, and parses resp_data', async () => {
    replyStableTokens(['TOKEN-A']);
    let receivedBody: unknown;
    wechat()
      .post(invokePath('TOKEN-A', 'quickstartFunctions', 'prod-env-1'))
      .reply((_uri, body) => {
        receivedBody = body;
        return [200, { errcode: 0, errmsg: 'ok', resp_data: JSON.stringify({ results: [{ status: 'sent' }] }) }];
      });
    const client = createTestClient();

    const result = await client.invokeCloudFunction('quickstartFunctions', { type: 'sendCustomerAssignNotification', n: 1 });

    expect(receivedBody).toEqual({ type: 'sendCustomerAssignNotification', n: 1 });
    expect(result).toEqual({ results: [{ status: 'sent' }] });
  });

  it('uses the env given for one call instead of the default', async () => {
    replyStableTokens(['TOKEN-A']);
    const scope = wechat().post(invokePath('TOKEN-A', 'fn', 'other-env')).reply(200, { errcode: 0, resp_data: '1' });
    const client = createTestClient();

    expect(await client.invokeCloudFunction('fn', {}, { env: 'other-env' })).toBe(1);
    expect(scope.isDone()).toBe(true);
  });

  it('when the token is answered 40001, drops it, gets a fresh one and retries the call once', async () => {
    const { bodies } = replyStableTokens(['OLD', 'NEW']);
    wechat().post(invokePath('OLD')).reply(200, { errcode: 40001, errmsg: 'invalid credential' });
    wechat().post(invokePath('NEW')).reply(200, { errcode: 0, resp_data: '"done"' });
    const client = createTestClient();

    expect(await client.invokeCloudFunction('quickstartFunctions', {})).toBe('done');
    expect(bodies.map((body) => body.force_refresh)).toEqual([false, false]);
    expect(await client.getAccessToken()).toBe('NEW');
  });

  it.each([42001, 40014])('treats %i like 40001: refresh and one retry', async (errcode) => {
    replyStableTokens(['OLD', 'NEW']);
    wechat().post(invokePath('OLD')).reply(200, { errcode, errmsg: 'token problem' });
    wechat().post(invokePath('NEW')).reply(200, { errcode: 0, resp_data: '{}' });
    const client = createTestClient();

    expect(await client.invokeCloudFunction('quickstartFunctions', {})).toEqual({});
  });

  it('forces a refresh only when stable_token returns the very token that was rejected', async () => {
    const { bodies } = replyStableTokens(['SAME', 'SAME', 'FORCED']);
    wechat().post(invokePath('SAME')).reply(200, { errcode: 40001, errmsg: 'invalid credential' });
    wechat().post(invokePath('FORCED')).reply(200, { errcode: 0, resp_data: '"ok"' });
    const client = createTestClient();

    expect(await client.invokeCloudFunction('quickstartFunctions', {})).toBe('ok');
    expect(bodies.map((body) => body.force_refresh)).toEqual([false, false, true]);
  });

  it('forces a refresh at most once per 30 s per process', async () => {
    const clock = createFakeClock();
    const { bodies } = replyStableTokens(['SAME', 'SAME', 'FORCED', 'FORCED']);
    wechat().post(invokePath('SAME')).reply(200, { errcode: 40001, errmsg: 'invalid credential' });
    wechat().post(invokePath('FORCED')).times(2).reply(200, { errcode: 40001, errmsg: 'invalid credential' });
    const client = createTestClient({ clock });

    await expect(client.invokeCloudFunction('quickstartFunctions', {})).rejects.toMatchObject({ errcode: 40001 });
    clock.advance(10_000);
    await expect(client.invokeCloudFunction('quickstartFunctions', {})).rejects.toMatchObject({
      code: 'TOKEN_REJECTED',
      retryable: true,
    });

    expect(bodies.map((body) => body.force_refresh)).toEqual([false, false, true, false]);
  });

  it('does not loop when the fresh token is rejected too: two calls, then the error', async () => {
    replyStableTokens(['OLD', 'NEW']);
    const oldCall = wechat().post(invokePath('OLD')).reply(200, { errcode: 40001, errmsg: 'invalid credential' });
    const newCall = wechat().post(invokePath('NEW')).reply(200, { errcode: 42001, errmsg: 'access_token expired' });
    const client = createTestClient();

    await expect(client.invokeCloudFunction('quickstartFunctions', {})).rejects.toMatchObject({
      code: 'TOKEN_REJECTED',
      errcode: 42001,
    });
    expect(oldCall.isDone() && newCall.isDone()).toBe(true);
    expect(client.stats().tokenRequests).toBe(2);
  });

  it('when many calls are rejected together, they share one refresh', async () => {
    replyStableTokens(['OLD', 'NEW']);
    wechat().post(invokePath('OLD')).times(20).reply(200, { errcode: 40001, errmsg: 'invalid credential' });
    wechat().post(invokePath('NEW')).times(20).reply(200, { errcode: 0, resp_data: '1' });
    const client = createTestClient();
    await client.getAccessToken();

    const results = await Promise.all(Array.from({ length: 20 }, () => client.invokeCloudFunction('quickstartFunctions', {})));

    expect(results).toEqual(Array(20).fill(1));
    expect(client.stats().tokenRequests).toBe(2);
  });

  it('returns undefined when the function returned nothing', async () => {
    replyStableTokens(['T']);
    wechat().post(invokePath('T')).reply(200, { errcode: 0, resp_data: '' });
    const client = createTestClient();

    expect(await client.invokeCloudFunction('quickstartFunctions', {})).toBeUndefined();
  });

  it('rejects a resp_data that is not JSON as a permanent bad response', async () => {
    replyStableTokens(['T']);
    wechat().post(invokePath('T')).reply(200, { errcode: 0, resp_data: '{not json' });
    const client = createTestClient();

    await expect(client.invokeCloudFunction('quickstartFunctions', {})).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      retryable: false,
    });
  });

  it('gives up after the configured timeout with a retryable TIMEOUT error', async () => {
    replyStableTokens(['T']);
    wechat().post(invokePath('T')).delay(500).reply(200, { errcode: 0, resp_data: '1' });
    const client = createTestClient({ invokeTimeoutMs: 50 });

    const error = await client.invokeCloudFunction('quickstartFunctions', {}).catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect((error as Error).message).toContain('50 ms');
  });

  it('applies a per-call timeout override', async () => {
    replyStableTokens(['T']);
    wechat().post(invokePath('T')).delay(300).reply(200, { errcode: 0, resp_data: '1' });
    const client = createTestClient({ invokeTimeoutMs: 10_000 });

    await expect(client.invokeCloudFunction('quickstartFunctions', {}, { timeoutMs: 30 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
  });

  it('times out a token request that hangs', async () => {
    wechat().post('/cgi-bin/stable_token').delay(500).reply(200, { access_token: 'T', expires_in: 7200 });
    const client = createTestClient({ tokenTimeoutMs: 30 });

    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'TIMEOUT', api: '/cgi-bin/stable_token' });
  });

  it('refuses an event that is not an object before any request', async () => {
    const client = createTestClient();

    await expect(client.invokeCloudFunction('quickstartFunctions', [] as never)).rejects.toThrow(TypeError);
    expect(client.stats().tokenRequests).toBe(0);
  });
});

describe('request observer', () => {
  it('reports every request with its API, outcome and errcode', async () => {
    const events: Array<{ api: string; outcome: string; errcode?: number }> = [];
    replyStableTokens(['T']);
    wechat().post(invokePath('T')).reply(200, { errcode: -1, errmsg: 'busy' });
    const client = createTestClient({ onRequest: (event) => events.push(event) });

    await client.invokeCloudFunction('quickstartFunctions', {}).catch(() => undefined);

    expect(events.map(({ api, outcome, errcode }) => ({ api, outcome, errcode }))).toEqual([
      { api: '/cgi-bin/stable_token', outcome: 'ok', errcode: undefined },
      { api: '/tcb/invokecloudfunction', outcome: 'SYSTEM_BUSY', errcode: -1 },
    ]);
  });
});
