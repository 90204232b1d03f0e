import axios from 'axios';
import { waitFor } from '@leadnotify/test-support';
import { createWechatClient } from '@leadnotify/wechat-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { assignmentEvent } from './helpers/assignment-event.js';

const http = axios.create({ validateStatus: () => true });

describe('the WeChat emulator', () => {
  let emulator: RunningEmulator;
  afterEach(() => emulator?.stop());

  function client(overrides: Record<string, unknown> = {}) {
    return createWechatClient({ ...emulator.credentials, baseUrl: emulator.url, ...overrides });
  }

  it('runs the real cloud function for a bound, subscribed user and records the message', async () => {
    emulator = await startEmulator();
    await emulator.setupUser('crm-user-1', 1);
    const event = assignmentEvent();

    const response = await client().invokeCloudFunction('quickstartFunctions', event);

    expect(response).toMatchObject({ ok: true, result: { deliveryId: event.deliveryId, reason: 'SENT' } });
    const messages = (await http.get(`${emulator.url}/_emulator/messages`)).data.items;
    expect(messages).toEqual([
      expect.objectContaining({
        touser: 'emu-openid-crm-user-1',
        templateId: 'emulator-lead-assigned',
        page: `pages/customer/detail?id=c-1&deliveryId=${event.deliveryId}`,
        deliveryId: event.deliveryId,
        data: { thing1: { value: '阿里巴巴' }, time2: { value: '2026-11-25 10:30' }, thing3: { value: '王经理' }, thing4: { value: '无' } },
      }),
    ]);
  });

  it('answers unbound and unsubscribed users with the function reasons', async () => {
    emulator = await startEmulator();
    await emulator.setupUser('crm-user-2', 0);

    const unbound = await client().invokeCloudFunction('quickstartFunctions', assignmentEvent({ assigneeId: 'nobody' }));
    const unsubscribed = await client().invokeCloudFunction('quickstartFunctions', assignmentEvent({ assigneeId: 'crm-user-2' }));

    expect(unbound).toMatchObject({ result: { reason: 'NOT_BOUND' } });
    expect(unsubscribed).toMatchObject({ result: { reason: 'NO_SUBSCRIPTION' } });
  });

  it('refuses a send when the function lacks the subscribeMessage.send permission (-604101)', async () => {
    emulator = await startEmulator({ openapiPermissions: ['wxacode.get'] });
    await emulator.setupUser('crm-user-1', 1);

    const response = await client().invokeCloudFunction('quickstartFunctions', assignmentEvent());

    expect(response).toMatchObject({ result: { reason: 'OPENAPI_PERMISSION_DENIED', errCode: -604101 } });
  });

  it('rejects template data that breaks a keyword rule with 47003 naming the field', async () => {
    emulator = await startEmulator({
      templates: [{ id: 'tpl', title: '客户分配通知', keywords: ['thing1', 'phrase2'] }],
      functionEnv: { SUBSCRIBE_TEMPLATE_KEYWORDS: '{"thing1":"customerName"}' },
    });
    await emulator.setupUser('crm-user-1', 1);

    const response = await client().invokeCloudFunction('quickstartFunctions', assignmentEvent());

    expect(response).toMatchObject({ result: { reason: 'TEMPLATE_DATA_INVALID', errCode: 47003 } });
    expect((response as { result: { message: string } }).result.message).toContain('data.phrase2');
  });

  it('checks AppID and AppSecret, env and function name like WeChat', async () => {
    emulator = await startEmulator();

    await expect(client({ appSecret: 'wrong-secret' }).getAccessToken()).rejects.toMatchObject({ errcode: 40125 });
    await expect(client({ appId: 'wx-other' }).getAccessToken()).rejects.toMatchObject({ errcode: 40013 });
    await expect(client({ cloudEnv: 'other-env' }).invokeCloudFunction('quickstartFunctions', {})).rejects.toMatchObject({ errcode: -501000 });
    await expect(client().invokeCloudFunction('otherFunction', {})).rejects.toMatchObject({ errcode: -501000 });
  });

  it("lists the mini program's templates as getTemplateList does, content built from their keywords; only with a token", async () => {
    emulator = await startEmulator({
      templates: [
        { id: 'lead-1', title: '客户分配通知', keywords: ['thing1', 'time2'] },
        { id: 'host-1', title: '订单发货提醒', keywords: ['character_string1'], host: true },
      ],
    });

    const templates = await client().getTemplateList();

    expect(templates).toEqual([
      { priTmplId: 'lead-1', title: '客户分配通知', content: '事项:{{thing1.DATA}}\n时间:{{time2.DATA}}\n', example: expect.stringContaining('事项:'), type: 2, keywords: ['thing1', 'time2'] },
      expect.objectContaining({ priTmplId: 'host-1', keywords: ['character_string1'] }),
    ]);
    expect((await http.get(`${emulator.url}/wxaapi/newtmpl/gettemplate`)).data).toMatchObject({ errcode: 41001 });
    expect((await http.post(`${emulator.url}/wxaapi/newtmpl/gettemplate?access_token=x`)).data).toMatchObject({ errcode: 43001 });
  });

  it('answers WeChat errcodes for a missing token, a wrong method and an empty body', async () => {
    emulator = await startEmulator();
    const token = await client().getAccessToken();
    const base = `${emulator.url}/tcb/invokecloudfunction?env=${emulator.credentials.cloudEnv}&name=quickstartFunctions`;

    expect((await http.post(base, {})).data.errcode).toBe(41001);
    expect((await http.post(`${base}&access_token=bogus`, {})).data.errcode).toBe(40014);
    expect((await http.get(`${base}&access_token=${token}`)).data.errcode).toBe(43002);
    const raw = (body: string) => http.post(`${base}&access_token=${token}`, body, { headers: { 'content-type': 'application/json' }, transformRequest: [(data) => data] });
    expect((await raw('')).data.errcode).toBe(44002);
    expect((await raw('[1,2]')).data.errcode).toBe(47001);
    expect((await raw('{not json')).data.errcode).toBe(47001);
  });

  it('stable_token hands every caller the same token; force refresh replaces it at most once per 30 s', async () => {
    let now = Date.parse('2026-11-25T02:00:00Z');
    emulator = await startEmulator({ now: () => now });
    const body = (force: boolean) => ({ grant_type: 'client_credential', appid: emulator.credentials.appId, secret: emulator.credentials.appSecret, force_refresh: force });
    const stable = async (force = false) => (await http.post(`${emulator.url}/cgi-bin/stable_token`, body(force))).data;

    const first = await stable();
    const second = await stable();
    now += 10_000;
    const forced = await stable(true);
    const forcedAgain = await stable(true);

    expect(second.access_token).toBe(first.access_token);
    expect(second.expires_in).toBe(7200);
    expect(forced.access_token).not.toBe(first.access_token);
    expect(forcedAgain.access_token).toBe(forced.access_token);
    const invoke = (token: string) =>
      http.post(`${emulator.url}/tcb/invokecloudfunction?access_token=${token}&env=${emulator.credentials.cloudEnv}&name=quickstartFunctions`, { type: 'getOpenId' });
    expect((await invoke(first.access_token)).data.errcode).toBe(40001);
    expect((await invoke(forced.access_token)).data.errcode).toBe(0);
    now += 7200_000;
    expect((await invoke(forced.access_token)).data.errcode).toBe(42001);
  });

  it('a classic token fetch makes a new token; the previous one works for five more minutes', async () => {
    let now = Date.parse('2026-11-25T02:00:00Z');
    emulator = await startEmulator({ now: () => now });
    const query = `grant_type=client_credential&appid=${emulator.credentials.appId}&secret=${emulator.credentials.appSecret}`;
    const first = (await http.get(`${emulator.url}/cgi-bin/token?${query}`)).data.access_token;
    const second = (await http.get(`${emulator.url}/cgi-bin/token?${query}`)).data.access_token;
    const invoke = (token: string) =>
      http.post(`${emulator.url}/tcb/invokecloudfunction?access_token=${token}&env=${emulator.credentials.cloudEnv}&name=quickstartFunctions`, { type: 'getOpenId' });

    expect(second).not.toBe(first);
    expect((await invoke(first)).data.errcode).toBe(0);
    now += 5 * 60_000;
    expect((await invoke(first)).data.errcode).toBe(40001);
    expect((await invoke(second)).data.errcode).toBe(0);
  });

  it('stops a function that runs past its time limit with -504003', async () => {
    emulator = await startEmulator({ functionTimeoutMs: 200 });
    await http.put(`${emulator.url}/_emulator/faults`, { functionLatencyMs: 400 });

    await expect(client().invokeCloudFunction('quickstartFunctions', { type: 'getOpenId' })).rejects.toMatchObject({
      errcode: -504003,
      code: 'FUNCTION_TIMEOUT',
      retryable: true,
    });
  });

  it('injects failures: errcodes, HTTP 500, dropped connections, latency; and forced token expiry', async () => {
    emulator = await startEmulator();
    const wechat = client({ invokeTimeoutMs: 300 });
    const call = () => wechat.invokeCloudFunction('quickstartFunctions', { type: 'getOpenId' });

    await http.put(`${emulator.url}/_emulator/faults`, { failureRate: 1, errcode: 45009 });
    await expect(call()).rejects.toMatchObject({ errcode: 45009 });
    await http.put(`${emulator.url}/_emulator/faults`, { failureRate: 0, http500Rate: 1 });
    await expect(call()).rejects.toMatchObject({ code: 'HTTP_STATUS', httpStatus: 500 });
    await http.put(`${emulator.url}/_emulator/faults`, { http500Rate: 0, dropRate: 1 });
    await expect(call()).rejects.toMatchObject({ code: 'NETWORK', retryable: true });
    await http.put(`${emulator.url}/_emulator/faults`, { dropRate: 0, latencyMs: 600 });
    await expect(call()).rejects.toMatchObject({ code: 'TIMEOUT' });
    await http.delete(`${emulator.url}/_emulator/faults`);
    await expect(call()).resolves.toMatchObject({});

    const before = await wechat.getAccessToken();
    await http.post(`${emulator.url}/_emulator/tokens/expire`);
    await expect(call()).resolves.toMatchObject({});
    expect(await wechat.getAccessToken()).not.toBe(before);
    expect((await http.put(`${emulator.url}/_emulator/faults`, { failureRate: 2 })).status).toBe(400);
  });

  it('counts how long it took to answer the invocations it answered (the round trip its callers saw)', async () => {
    emulator = await startEmulator();
    await http.put(`${emulator.url}/_emulator/faults`, { latencyMs: 120 });
    const wechat = client();
    for (let call = 0; call < 3; call++) await wechat.invokeCloudFunction('quickstartFunctions', { type: 'getOpenId' });

    const { invocations, answered } = (await http.get(`${emulator.url}/_emulator/info`)).data;
    expect(invocations).toBe(3);
    expect(answered.invocations).toBe(3);
    // Each waited the 120 ms before running: the answers took at least that.
    expect(answered.totalMs).toBeGreaterThanOrEqual(3 * 120);
  });

  it('sets up bindings and subscriptions through the control endpoints and shows them', async () => {
    emulator = await startEmulator();

    await http.post(`${emulator.url}/_emulator/bindings`, { crmUserId: 'u-9' });
    await http.post(`${emulator.url}/_emulator/subscriptions`, { openid: 'emu-openid-u-9', count: 3 });

    expect((await http.get(`${emulator.url}/_emulator/bindings`)).data.items).toEqual([expect.objectContaining({ crmUserId: 'u-9', openid: 'emu-openid-u-9' })]);
    const subscriptions = (await http.get(`${emulator.url}/_emulator/subscriptions`)).data;
    expect(subscriptions.wechat).toEqual([{ openid: 'emu-openid-u-9', templateId: 'emulator-lead-assigned', remaining: 3 }]);
    expect(subscriptions.function).toEqual([expect.objectContaining({ openid: 'emu-openid-u-9', remaining: 3 })]);
  });

  it('runs mini-program calls as the user: a client call of a send type is refused', async () => {
    emulator = await startEmulator();

    const response = await http.post(`${emulator.url}/_emulator/miniprogram/call`, { openid: 'o-1', event: assignmentEvent() });
    const openId = await http.post(`${emulator.url}/_emulator/miniprogram/call`, { openid: 'o-1', event: { type: 'getOpenId' } });

    expect(response.data).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(openId.data).toMatchObject({ openid: 'o-1', appid: emulator.credentials.appId });
  });
});

describe('slow answers', () => {
  it('a slow call runs the function but answers late: the caller times out, the message is sent once', async () => {
    const emulator = await startEmulator();
    try {
      await emulator.setupUser('crm-user-1', 2);
      emulator.setFaults({ slowRate: 1, slowMs: 400 });
      const wechat = createWechatClient({ ...emulator.credentials, baseUrl: emulator.url, invokeTimeoutMs: 150 });
      const event = assignmentEvent();

      await expect(wechat.invokeCloudFunction('quickstartFunctions', event)).rejects.toMatchObject({ code: 'TIMEOUT' });
      // The slow call ran the function before it held back the answer: its message is what the retry must find.
      await waitFor(() => emulator.messages.length, (count) => count === 1, { what: 'the slow call to have sent its message' });
      emulator.setFaults({ slowRate: 0 });
      const retried = await wechat.invokeCloudFunction('quickstartFunctions', event);

      expect(retried).toMatchObject({ result: { reason: 'ALREADY_SENT' } });
      expect(emulator.messages).toHaveLength(1);
    } finally {
      await emulator.stop();
    }
  });
});
