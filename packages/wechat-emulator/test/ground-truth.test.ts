import axios from 'axios';
import { createWechatClient } from '@leadnotify/wechat-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_TEMPLATE, startEmulator, type InvocationLogEntry, type RunningEmulator } from '../src/index.js';
import { assignmentEvent } from './helpers/assignment-event.js';
import { send, startReceiver } from './helpers/http-receiver.js';

const http = axios.create({ validateStatus: () => true });
const HOST_TEMPLATE = { id: 'host-order-shipped', title: '订单发货通知', keywords: ['thing1', 'character_string2'], host: true };

describe('what really happened, for a soak to compare with the CRM', () => {
  let emulator: RunningEmulator;
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await emulator?.stop();
    for (const stop of stops.splice(0)) await stop();
  });
  const client = () => createWechatClient({ ...emulator.credentials, baseUrl: emulator.url });
  const invocations = async () => (await http.get(`${emulator.url}/_emulator/invocations`)).data.items as InvocationLogEntry[];
  const messages = async () => (await http.get(`${emulator.url}/_emulator/messages`)).data.items as Array<Record<string, unknown>>;

  it('logs each invocation with the deliveries and customers it named, and each message names the invocation that sent it', async () => {
    emulator = await startEmulator();
    await emulator.setupUser('crm-user-1', 2);
    const first = assignmentEvent({ customers: [{ id: 'c-1', name: '阿里巴巴' }, { id: 'c-2', name: '腾讯' }], customerCount: 2 });
    const second = assignmentEvent({ type: undefined, customers: [{ id: 'c-3', name: '百度' }] });

    await client().invokeCloudFunction('quickstartFunctions', first);
    await client().invokeCloudFunction('quickstartFunctions', { type: 'sendBatchCustomerAssignNotification', deliveries: [second] });

    const log = await invocations();
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({
      id: 1,
      type: 'sendCustomerAssignNotification',
      deliveries: [{ deliveryId: first.deliveryId, assigneeId: 'crm-user-1', customerIds: ['c-1', 'c-2'], customerCount: 2 }],
      run: 'returned',
      answer: 'ok',
      stoppedSends: 0,
    });
    expect(log[1]).toMatchObject({ id: 2, type: 'sendBatchCustomerAssignNotification', deliveries: [{ deliveryId: second.deliveryId, customerIds: ['c-3'] }] });
    expect(Date.parse(log[0]!.arrivedAt)).toBe(log[0]!.arrivedAtMs);
    const sent = await messages();
    expect(sent.map((message) => [message.deliveryId, message.invocationId])).toEqual([
      [first.deliveryId, 1],
      [second.deliveryId, 2],
    ]);
    expect(log.map((entry) => entry.messageIds)).toEqual([[sent[0]!.msgId], [sent[1]!.msgId]]);
  });

  it('an answer lost after the run is logged as what the caller got, the message as delivered', async () => {
    emulator = await startEmulator();
    await emulator.setupUser('crm-user-1', 1);
    emulator.setFaults({ http500Rate: 1, afterRunShare: 1 });

    await expect(client().invokeCloudFunction('quickstartFunctions', assignmentEvent())).rejects.toMatchObject({ httpStatus: 500 });

    expect(await invocations()).toMatchObject([{ run: 'returned', answer: 'http500' }]);
    expect(await messages()).toHaveLength(1);
  });

  it('a send still on its way to WeChat when the run is stopped never reaches the user (sendTransitMs)', async () => {
    emulator = await startEmulator({ functionTimeoutMs: 200 });
    const openid = await emulator.setupUser('crm-user-1', 1);
    emulator.setFaults({ sendTransitMs: 400 });

    await expect(client().invokeCloudFunction('quickstartFunctions', assignmentEvent())).rejects.toMatchObject({ errcode: -504003 });
    await vi.waitFor(async () => expect((await invocations())[0]?.stoppedSends).toBe(1), { timeout: 5000 });

    expect(await invocations()).toMatchObject([{ run: 'killed', answer: 'errcode -504003', messageIds: [] }]);
    expect(await messages()).toHaveLength(0);
    expect(emulator.acceptancesOf(openid)).toBe(1);
  });

  it('PUT /faults takes sendTransitMs and refuses a negative one', async () => {
    emulator = await startEmulator();

    expect((await http.put(`${emulator.url}/_emulator/faults`, { sendTransitMs: 1600 })).data).toMatchObject({ sendTransitMs: 1600 });
    expect((await http.put(`${emulator.url}/_emulator/faults`, { sendTransitMs: -1 })).status).toBe(400);
  });

  it("the host mini program's own message goes through the same gate, and WeChat pushes its receipt like ours", async () => {
    const receiver = await startReceiver((_request, res) => send(res, 200, 'success'));
    stops.push(receiver.stop);
    emulator = await startEmulator({ templates: [DEFAULT_TEMPLATE, HOST_TEMPLATE], push: { url: `${receiver.url}/wechat/push`, token: 'pushToken123', mode: 'plain' } });
    const openid = await emulator.setupUser('crm-user-1', 0);
    const hostMessage = { openid, templateId: HOST_TEMPLATE.id, data: { thing1: { value: '订单已发货' }, character_string2: { value: 'SO20261127' } } };

    const refused = await http.post(`${emulator.url}/_emulator/host-messages`, hostMessage);
    emulator.subscribePopup(openid, ['accept'], HOST_TEMPLATE.id);
    const delivered = await http.post(`${emulator.url}/_emulator/host-messages`, hostMessage);
    await emulator.settlePushes();

    expect(refused.status).toBe(400);
    expect(refused.data).toMatchObject({ errcode: 43101 });
    expect(delivered.status).toBe(201);
    expect(await messages()).toMatchObject([{ touser: openid, templateId: HOST_TEMPLATE.id, deliveryId: null, invocationId: null, msgId: delivered.data.msgId }]);
    expect(emulator.pushedEvents().at(-1)).toMatchObject({
      Event: 'subscribe_msg_sent_event',
      FromUserName: openid,
      List: { TemplateId: HOST_TEMPLATE.id, MsgID: delivered.data.msgId, ErrorCode: '0' },
    });
    expect(emulator.acceptancesOf(openid, HOST_TEMPLATE.id)).toBe(0);
  });
});
