import { createWecomClient } from '@leadnotify/wechat-client';
import { startEmulator, type RunningEmulator } from '@leadnotify/wechat-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { LeadMessage } from '../src/delivery/channels/channel.js';
import { buildWecomMessage } from '../src/delivery/channels/wecom/build-message.js';

const lead = (overrides: Partial<LeadMessage> = {}): LeadMessage => ({
  deliveryId: 'd-1',
  assigneeId: 'u-1',
  customers: [{ id: 'c-1', name: '杭州云栖科技有限公司（滨江区分公司）第二事业部', company: '云栖', phone: null, source: null }],
  assigners: [{ id: 'm-1', name: '王经理' }],
  notes: ['今天务必联系，客户在等报价，另外请带上去年的合同复印件和新的产品目录'],
  via: 'batch',
  assignedAt: '2026-12-07T02:30:00.000Z',
  ...overrides,
});

/** Both WeCom message types, as WeCom's rules take them (the emulator checks every field). */
describe('a lead as a WeCom message', () => {
  let emulator: RunningEmulator;
  afterEach(() => emulator?.stop());

  async function send(body: ReturnType<typeof buildWecomMessage>) {
    emulator = await startEmulator({ appId: 'wx-associated-mini-program' });
    emulator.wecom.addMember('zhangsan');
    await createWecomClient({ ...emulator.wecom.corp, baseUrl: emulator.url }).sendMessage({ touser: ['zhangsan'], ...body });
    return emulator.wecom.delivered[0]!.content;
  }

  it('miniprogram_notice opens the customer page the subscribe message opens, its fields within their limits', async () => {
    const content = await send(buildWecomMessage(lead(), { kind: 'miniprogram_notice', appId: 'wx-associated-mini-program' }));

    expect(content).toMatchObject({ appid: 'wx-associated-mini-program', page: 'pages/customer/detail?id=c-1&deliveryId=d-1', title: '新客户分配提醒', description: '12-07 10:30' });
    const items = content.content_item as Array<{ key: string; value: string }>;
    expect(items.slice(0, 3)).toEqual([
      { key: '客户', value: '杭州云栖科技有限公司（滨江区分公司）第二事业部' },
      { key: '分配人', value: '王经理' },
      { key: '方式', value: '批量分配' },
    ]);
    // A value is at most 30 characters: the long note is cut, marked.
    expect(items[3]!.key).toBe('备注');
    expect([[...items[3]!.value].length, items[3]!.value.endsWith('…'), items[3]!.value.startsWith('今天务必联系')]).toEqual([30, true, true]);
  });

  it('several customers open the list page; a textcard opens the configured link and keeps within its byte limits', async () => {
    const several = lead({ customers: [lead().customers[0]!, { id: 'c-2', name: '腾讯', company: null, phone: null, source: null }] });

    expect(buildWecomMessage(several, { kind: 'miniprogram_notice', appId: 'wx' })).toMatchObject({ miniprogram_notice: { page: 'pages/customer/list?deliveryId=d-1' } });
    const card = await send(buildWecomMessage(lead({ customers: [{ id: 'c-1', name: '客'.repeat(60), company: null, phone: null, source: null }] }), { kind: 'textcard', url: 'https://crm.example.com/c/{customerId}?d={deliveryId}' }));
    expect(card.url).toBe('https://crm.example.com/c/c-1?d=d-1');
    expect(Buffer.byteLength(String(card.title), 'utf8')).toBeLessThanOrEqual(128);
    expect(String(card.description)).toContain('王经理 批量分配');
  });

  it('the same lead is the same request to the byte: what makes a retry safe under WeCom\'s duplicate check', () => {
    expect(JSON.stringify(buildWecomMessage(lead(), { kind: 'textcard', url: 'https://x.test/{customerId}' }))).toBe(JSON.stringify(buildWecomMessage(lead(), { kind: 'textcard', url: 'https://x.test/{customerId}' })));
  });
});
