import { createHash } from 'node:crypto';
import { decrypt, encrypt } from '@wecom/crypto';
import axios from 'axios';
import { createWechatClient } from '@leadnotify/wechat-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WECHAT_CRYPTO_SAMPLE, pushMessageSignature, startEmulator, type EmulatorOptions, type PushEvent, type PushSettings, type RunningEmulator, type TemplateDefinition } from '../src/index.js';
import { send, startReceiver, type Received } from './helpers/http-receiver.js';

const http = axios.create({ validateStatus: () => true });
const TOKEN = 'pushToken123';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

const SAMPLE = WECHAT_CRYPTO_SAMPLE;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** What the CRM's receiver must do: check the query signature (and msg_signature), decrypt in safe mode. */
function openPush(request: Received, settings: { token: string; encodingAesKey?: string }): { event: PushEvent; appId?: string } {
  const timestamp = request.query.get('timestamp')!;
  const nonce = request.query.get('nonce')!;
  expect(request.query.get('signature')).toBe(sha1([settings.token, timestamp, nonce].sort().join('')));
  const body = JSON.parse(request.body) as Record<string, unknown>;
  if (typeof body.Encrypt !== 'string') return { event: body as unknown as PushEvent };
  expect(request.query.get('encrypt_type')).toBe('aes');
  expect(request.query.get('msg_signature')).toBe(sha1([settings.token, timestamp, nonce, body.Encrypt].sort().join('')));
  const { message, id } = decrypt(settings.encodingAesKey!, body.Encrypt);
  return { event: JSON.parse(message) as PushEvent, appId: id };
}

describe('message push: the emulator posts WeChat\'s subscribe-message events', () => {
  let emulator: RunningEmulator;
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await emulator?.stop();
    for (const stop of stops.splice(0)) await stop();
  });

  async function setup(mode: PushSettings['mode'], extra: Partial<PushSettings> = {}, templates?: TemplateDefinition[], options: EmulatorOptions = {}) {
    const receiver = await startReceiver((_request, res) => send(res, 200, 'success'));
    stops.push(receiver.stop);
    emulator = await startEmulator({
      ...options,
      originalId: 'gh_10f6c3c3ac5a',
      ...(templates ? { templates } : {}),
      push: { url: `${receiver.url}/wechat/push`, token: TOKEN, mode, ...(mode === 'safe' ? { encodingAesKey: AES_KEY } : {}), ...extra },
    });
    return receiver;
  }

  it('signing reproduces the msg_signature of WeChat\'s published sample, and @wecom/crypto opens the sample', () => {
    expect(pushMessageSignature(SAMPLE.token, SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.encrypt)).toBe(SAMPLE.msgSignature);
    const opened = decrypt(AES_KEY, SAMPLE.encrypt);
    expect(opened.id).toBe(SAMPLE.appId);
    expect(opened.message).toContain('<Content><![CDATA[abcdteT]]></Content>');
    // Encrypting the sample's plaintext with its random prefix gives back the sample's Encrypt exactly.
    expect(encrypt(AES_KEY, opened.message, SAMPLE.appId, opened.random)).toBe(SAMPLE.encrypt);
  });

  it('in safe mode a popup answer arrives signed and encrypted, List an object for one template', async () => {
    const receiver = await setup('safe');

    await http.post(`${emulator.url}/_emulator/users/openid-a/subscribe-popup`, { results: ['accept'] });
    await emulator.settlePushes();

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/wechat/push');
    expect(Object.keys(JSON.parse(request!.body))).toEqual(['ToUserName', 'Encrypt']);
    const { event, appId } = openPush(request!, { token: TOKEN, encodingAesKey: AES_KEY });
    expect(appId).toBe(emulator.credentials.appId);
    expect(event).toEqual({
      ToUserName: 'gh_10f6c3c3ac5a',
      FromUserName: 'openid-a',
      CreateTime: expect.any(Number),
      MsgType: 'event',
      Event: 'subscribe_msg_popup_event',
      List: { TemplateId: 'emulator-lead-assigned', SubscribeStatusString: 'accept', PopupScene: '0' },
    });
    expect(Math.abs(event.CreateTime - Date.now() / 1000)).toBeLessThan(60);
  });

  it('in plain mode a dialog with two templates arrives as one event whose List is an array', async () => {
    const receiver = await setup('plain', {}, [
      { id: 'tpl-a', title: '客户分配通知', keywords: ['thing1'] },
      { id: 'tpl-b', title: '新线索提醒', keywords: ['thing1'] },
    ]);

    await http.post(`${emulator.url}/_emulator/users/openid-a/subscribe-popup`, { results: [{ 'tpl-a': 'accept', 'tpl-b': 'reject' }] });
    await emulator.settlePushes();

    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.query.has('msg_signature')).toBe(false);
    expect(openPush(receiver.received[0]!, { token: TOKEN }).event).toMatchObject({
      Event: 'subscribe_msg_popup_event',
      List: [
        { TemplateId: 'tpl-a', SubscribeStatusString: 'accept', PopupScene: '0' },
        { TemplateId: 'tpl-b', SubscribeStatusString: 'reject', PopupScene: '0' },
      ],
    });
    expect(emulator.acceptancesOf('openid-a', 'tpl-a')).toBe(1);
    expect(emulator.acceptancesOf('openid-a', 'tpl-b')).toBe(0);
  });

  it('turning the template off pushes subscribe_msg_change_event with reject', async () => {
    const receiver = await setup('safe');

    await http.post(`${emulator.url}/_emulator/users/openid-a/turn-off`, {});
    await emulator.settlePushes();

    expect(openPush(receiver.received[0]!, { token: TOKEN, encodingAesKey: AES_KEY }).event).toMatchObject({
      FromUserName: 'openid-a',
      Event: 'subscribe_msg_change_event',
      List: { TemplateId: 'emulator-lead-assigned', SubscribeStatusString: 'reject' },
    });
  });

  it('every delivered message is followed by subscribe_msg_sent_event with its numeric MsgID', async () => {
    const receiver = await setup('safe');
    await emulator.setupUser('crm-user-1', 1);
    const client = createWechatClient({ ...emulator.credentials, baseUrl: emulator.url });

    const answer = await client.invokeCloudFunction('quickstartFunctions', {
      type: 'sendCustomerAssignNotification',
      deliveryId: 'd-1',
      assigneeId: 'crm-user-1',
      customers: [{ id: 'c-1', name: '阿里巴巴' }],
      actor: { name: '王经理' },
      via: 'web',
      assignedAt: '2026-11-25T02:30:00.000Z',
    });
    await emulator.settlePushes();

    // By default the send's answer carries no msgid (the documented answer): the result names the template only.
    expect(answer).toMatchObject({ result: { reason: 'SENT', templateId: 'emulator-lead-assigned' } });
    expect((answer as { result: object }).result).not.toHaveProperty('msgId');
    const [message] = emulator.messages;
    expect(message!.msgId).toMatch(/^\d+$/);
    const events = receiver.received.map((request) => openPush(request, { token: TOKEN, encodingAesKey: AES_KEY }).event);
    expect(events).toEqual([
      expect.objectContaining({
        FromUserName: 'emu-openid-crm-user-1',
        Event: 'subscribe_msg_sent_event',
        List: { TemplateId: 'emulator-lead-assigned', MsgID: message!.msgId, ErrorCode: '0', ErrorStatus: 'success' },
      }),
    ]);
  });

  it("with msgidInSendAnswer the send's answer carries the msgid: the result's msgId is the push's MsgID, digit for digit, also when retried", async () => {
    const receiver = await setup('plain', {}, undefined, { msgidInSendAnswer: true });
    await emulator.setupUser('crm-user-1', 1);
    const client = createWechatClient({ ...emulator.credentials, baseUrl: emulator.url });
    const event = { type: 'sendCustomerAssignNotification', deliveryId: 'd-msgid', assigneeId: 'crm-user-1', customers: [{ id: 'c-1', name: '阿里巴巴' }], actor: { name: '王经理' }, via: 'web', assignedAt: '2026-11-25T02:30:00.000Z' };

    const first = (await client.invokeCloudFunction('quickstartFunctions', event)) as { result: { msgId?: string } };
    const retried = await client.invokeCloudFunction('quickstartFunctions', event);
    await emulator.settlePushes();

    const [pushed] = receiver.received.map((request) => openPush(request, { token: TOKEN }).event);
    const pushedMsgId = (pushed!.List as { MsgID: string }).MsgID;
    expect(pushedMsgId).toMatch(/^\d{19}$/);
    expect(first.result).toMatchObject({ reason: 'SENT', templateId: 'emulator-lead-assigned', msgId: pushedMsgId });
    expect(retried).toMatchObject({ result: { reason: 'ALREADY_SENT', templateId: 'emulator-lead-assigned', msgId: pushedMsgId } });
    expect(emulator.messages).toHaveLength(1);
  });

  it('a push not answered "success" is tried three times in all with the same timestamp and nonce, and recorded', async () => {
    const receiver = await setup('plain');
    receiver.setAnswer((_request, res) => send(res, 500, 'oops'));

    emulator.subscribePopup('openid-a', ['accept']);
    await emulator.settlePushes();

    expect(receiver.received).toHaveLength(3);
    const stamps = receiver.received.map((request) => `${request.query.get('timestamp')}/${request.query.get('nonce')}/${request.body}`);
    expect(new Set(stamps).size).toBe(1);
    const pushes = (await http.get(`${emulator.url}/_emulator/pushes`)).data.items;
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({ state: 'failed', attempts: [{ status: 500, body: 'oops', accepted: false }, { status: 500 }, { status: 500 }] });
  });

  it('an answer other than success, or none within the time limit, is tried again; an empty body counts as success', async () => {
    const receiver = await setup('plain', { timeoutMs: 200 });
    const answers = ['hang', 'fail', ''];
    receiver.setAnswer(async (_request, res) => {
      const next = answers.shift();
      if (next === 'hang') return; // never answers
      send(res, 200, next ?? 'success');
    });

    emulator.subscribePopup('openid-a', ['reject']);
    await emulator.settlePushes();

    expect(receiver.received).toHaveLength(3);
    expect(emulator.pushes[0]).toMatchObject({ state: 'delivered', attempts: [{ error: expect.stringContaining('Timeout'), accepted: false }, { body: 'fail', accepted: false }, { body: '', accepted: true }] });
    expect(emulator.pushedEvents()).toEqual([expect.objectContaining({ Event: 'subscribe_msg_popup_event', List: expect.objectContaining({ SubscribeStatusString: 'reject' }) })]);
  });

  it('without message push configured nothing is pushed', async () => {
    emulator = await startEmulator();
    emulator.subscribePopup('openid-a', ['accept']);
    await emulator.settlePushes();
    expect(emulator.pushes).toEqual([]);
  });

  it('configuring push checks the URL like the console (echostr), and refuses bad settings', async () => {
    emulator = await startEmulator();
    const receiver = await startReceiver((request, res) => {
      const ok = request.query.get('signature') === sha1([TOKEN, request.query.get('timestamp')!, request.query.get('nonce')!].sort().join(''));
      send(res, 200, ok ? request.query.get('echostr')! : 'bad signature');
    });
    stops.push(receiver.stop);

    const settings = { url: `${receiver.url}/push`, token: TOKEN, encodingAesKey: AES_KEY, mode: 'safe' as const };
    await expect(emulator.configurePush(settings)).resolves.toEqual({ url: settings.url, mode: 'safe' });
    await expect(emulator.configurePush({ ...settings, token: 'otherToken' })).rejects.toThrow(/did not pass WeChat's URL check/);
    await expect(emulator.configurePush({ ...settings, encodingAesKey: 'short' })).rejects.toThrow(/43 letters/);
    const overHttp = await http.put(`${emulator.url}/_emulator/push`, settings);
    expect(overHttp.data).toEqual({ settings: { url: settings.url, mode: 'safe' } });
    expect(receiver.received.filter((request) => request.method === 'GET')).toHaveLength(3);
  });
});
