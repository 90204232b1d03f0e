import { createWecomClient, type WecomMessage } from '@leadnotify/wechat-client';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';

const card = (title: string, touser = ['zhangsan']): WecomMessage => ({
  touser,
  msgtype: 'textcard',
  textcard: { title, description: '王经理分配给你', url: 'https://crm.example.com/c/1' },
  duplicateCheckIntervalS: 14_400,
});

/** WeCom's side of the emulator, driven by the real WeCom client. */
describe('the emulator as WeCom', () => {
  let emulator: RunningEmulator;
  afterEach(() => emulator?.stop());

  async function setup(clock?: { now: () => number }) {
    emulator = await startEmulator(clock ? { now: clock.now } : {});
    emulator.wecom.addMember('ZhangSan');
    const wecom = createWecomClient({ ...emulator.wecom.corp, baseUrl: emulator.url, ...(clock ? { clock } : {}) });
    return wecom;
  }

  it('delivers a textcard to a member; names an unknown receiver in invaliduser with errcode 0; 81013 when nobody is valid', async () => {
    const wecom = await setup();

    expect(await wecom.sendMessage(card('新客户一', ['zhangsan', 'nobody']))).toMatchObject({ invalidUsers: ['nobody'] });
    await expect(wecom.sendMessage(card('新客户二', ['nobody']))).rejects.toMatchObject({ code: 'WECOM_USER_INVALID', errcode: 81013 });
    expect(emulator.wecom.delivered.map((message) => [message.touser, message.content.title])).toEqual([['zhangsan', '新客户一']]);
  });

  it('the same request JSON within the duplicate-check interval is not delivered again', async () => {
    const wecom = await setup();

    await wecom.sendMessage(card('同一条'));
    await wecom.sendMessage(card('同一条'));
    await wecom.sendMessage(card('另一条'));

    expect(emulator.wecom.delivered.map((message) => message.content.title)).toEqual(['同一条', '另一条']);
  });

  it('past 30 messages a minute to one member the excess is dropped, answered errcode 0 all the same', async () => {
    const wecom = await setup();

    for (let index = 0; index < 32; index++) expect((await wecom.sendMessage(card(`线索${index}`))).invalidUsers).toEqual([]);

    expect([emulator.wecom.delivered.length, emulator.wecom.dropped.length]).toEqual([30, 2]);
  });

  it('refuses a wrong secret (40001), an expired token is replaced (42001), an untrusted IP is 60020, a field past its limit is refused', async () => {
    let now = Date.parse('2026-12-07T02:00:00Z');
    const clock = { now: () => now };
    const wecom = await setup(clock);
    const wrong = createWecomClient({ ...emulator.wecom.corp, agentSecret: 'wrong', baseUrl: emulator.url });

    await expect(wrong.sendMessage(card('x'))).rejects.toMatchObject({ code: 'WECOM_SECRET_INVALID' });
    await wecom.sendMessage(card('一'));
    now += 7200 * 1000;
    await wecom.sendMessage(card('二'));
    await expect(wecom.sendMessage({ touser: ['zhangsan'], msgtype: 'textcard', textcard: { title: 'x'.repeat(129), description: 'd', url: 'https://x.test' } })).rejects.toMatchObject({
      errcode: 40035,
    });
    emulator.wecom.setFaults({ untrustedIp: true });
    await expect(wecom.sendMessage(card('三'))).rejects.toMatchObject({ code: 'WECOM_IP_NOT_TRUSTED', errcode: 60020 });

    expect(emulator.wecom.delivered.map((message) => message.content.title)).toEqual(['一', '二']);
    expect(wecom.stats().tokenRequests).toBe(2);
  });

  it('an answer lost after a real delivery (HTTP 500): the retry of the same JSON is not delivered twice', async () => {
    const wecom = await setup();
    emulator.wecom.setFaults({ http500AfterDeliveryRate: 1 });

    await expect(wecom.sendMessage(card('重试安全'))).rejects.toMatchObject({ code: 'HTTP_STATUS' });
    emulator.wecom.setFaults({ http500AfterDeliveryRate: 0 });
    await wecom.sendMessage(card('重试安全'));

    expect(emulator.wecom.delivered.map((message) => message.content.title)).toEqual(['重试安全']);
    expect((await axios.get(`${emulator.url}/_emulator/wecom/messages`)).data.items).toHaveLength(1);
  });
});
