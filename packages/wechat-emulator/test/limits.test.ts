import axios from 'axios';
import { resultKindOf, type SendResult } from '@leadnotify/contracts';
import { createWechatClient } from '@leadnotify/wechat-client';
import { afterEach, describe, expect, it } from 'vitest';
import { KEYWORD_RULES } from '../src/keyword-rules.js';
import { createSubscribeGate } from '../src/subscribe-gate.js';
import { startEmulator, type RunningEmulator } from '../src/index.js';

const http = axios.create({ validateStatus: () => true });
let counter = 0;

function delivery(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    deliveryId: `lim-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    assigneeId: 'crm-user-1',
    customers: [{ id: `c-${counter}`, name: '阿里巴巴' }],
    actor: { name: '王经理' },
    via: 'web',
    assignedAt: '2026-11-25T02:30:00.000Z',
    ...overrides,
  };
}

describe('the emulator under WeChat limits', () => {
  let emulator: RunningEmulator;
  afterEach(() => emulator?.stop());
  const client = (overrides: Record<string, unknown> = {}) => createWechatClient({ ...emulator.credentials, baseUrl: emulator.url, ...overrides });
  const records = async () => (await http.get(`${emulator.url}/_emulator/deliveries`)).data.items as Array<Record<string, unknown>>;
  const functionCount = async (openid: string) =>
    ((await http.get(`${emulator.url}/_emulator/subscriptions`)).data.function as Array<Record<string, unknown>>).find((q) => q.openid === openid)?.remaining;

  it('kills a run at the limit (-504003): a slow send is delivered, the killed run writes nothing after, the retry says unconfirmed', async () => {
    let now = Date.parse('2026-11-25T02:00:00Z');
    emulator = await startEmulator({ functionTimeoutMs: 300, now: () => now });
    const openid = await emulator.setupUser('crm-user-1', 2);
    await http.put(`${emulator.url}/_emulator/faults`, { sendLatencyMs: 500 });
    const event = { type: 'sendCustomerAssignNotification', ...delivery() };

    await expect(client().invokeCloudFunction('quickstartFunctions', event)).rejects.toMatchObject({
      errcode: -504003,
      message: expect.stringContaining('Invoking task timed out after 0.3 seconds'),
    });
    // Killed at 300 ms; WeChat answers its send at 500 ms, after which the run would write the outcome.
    await emulator.runsFinished();

    expect(emulator.messages).toHaveLength(1);
    expect((await records()).find((record) => record._id === event.deliveryId)).toMatchObject({ state: 'sending' });
    expect(await functionCount(openid)).toBe(1);
    await http.delete(`${emulator.url}/_emulator/faults`);
    now += 10_000;
    const retried = await client().invokeCloudFunction('quickstartFunctions', event);

    expect(retried).toMatchObject({ result: { reason: 'SEND_INTERRUPTED' } });
    expect(emulator.messages).toHaveLength(1);
    expect(await functionCount(openid)).toBe(1);
  });

  it('error after send: every message reaches the user once and each result says what is known', async () => {
    let draw = 0;
    emulator = await startEmulator({ random: () => (draw++ % 2 === 0 ? 0.2 : 0.8) });
    await emulator.setupUser('crm-user-1', 10);
    await http.put(`${emulator.url}/_emulator/faults`, { errorAfterSendRate: 0.5 });
    const deliveries = Array.from({ length: 10 }, () => delivery());

    const first = (await client().invokeCloudFunction('quickstartFunctions', { type: 'sendBatchCustomerAssignNotification', deliveries })) as {
      results: SendResult[];
    };
    const again = (await client().invokeCloudFunction('quickstartFunctions', { type: 'sendBatchCustomerAssignNotification', deliveries })) as typeof first;

    expect(emulator.messages.length).toBeLessThanOrEqual(deliveries.length);
    expect(emulator.messages).toHaveLength(10);
    const kinds = (answer: typeof first) => answer.results.map((r) => resultKindOf(r.reason));
    for (const result of first.results) {
      if (resultKindOf(result.reason) === 'unconfirmed') expect(result).toMatchObject({ reason: 'SYSTEM_BUSY', errCode: -1 });
      else expect(result).toMatchObject({ reason: 'SENT' });
    }
    expect(kinds(first)).toContain('unconfirmed');
    expect(kinds(first)).toContain('sent');
    expect(kinds(again)).toEqual(kinds(first));
    expect(emulator.messages).toHaveLength(10);
  });

  it('sends of 1.6 s under the 3 s limit: a batch of 20 sends what can finish, the rest NOT_ATTEMPTED; nothing killed; all 20 exactly once', async () => {
    emulator = await startEmulator();
    const deliveries = [];
    for (let index = 0; index < 20; index++) {
      await emulator.setupUser(`u-${index}`, 1);
      deliveries.push(delivery({ assigneeId: `u-${index}` }));
    }
    emulator.setFaults({ sendLatencyMs: 1600 });
    const wechat = client({ invokeTimeoutMs: 6000 });

    const rounds: string[][] = [];
    while (emulator.messages.length < 20 && rounds.length < 6) {
      const answer = (await wechat.invokeCloudFunction('quickstartFunctions', { type: 'sendBatchCustomerAssignNotification', deliveries })) as {
        results: Array<{ reason: string }>;
      };
      rounds.push(answer.results.map((r) => r.reason));
    }

    expect(rounds[0]?.filter((reason) => reason === 'SENT')).toHaveLength(5);
    expect(rounds[0]?.filter((reason) => reason === 'NOT_ATTEMPTED')).toHaveLength(15);
    expect(rounds).toHaveLength(4);
    expect(new Set(emulator.messages.map((m) => m.page)).size).toBe(20);
    expect(emulator.messages).toHaveLength(20);
    expect((await records()).every((record) => record.state === 'sent')).toBe(true);
  }, 20_000);

  it('real names with emoji, invisible, bidi, private-use or broken characters, as customer, actor and note: each delivered exactly once', async () => {
    emulator = await startEmulator();
    await emulator.setupUser('crm-user-1', 40);
    const names = ['张三😀', '👨‍👩‍👧‍👦家庭客户', '李\u200b四', '王\u202e五', '赵\u00ad六', '钱\u061c七', '孙\u2062八', '周\ue000九', '吴\ud800十', '郑\u0378一'];
    const deliveries = names.flatMap((name) => [
      delivery({ customers: [{ id: 'c', name }] }),
      delivery({ actor: { name } }),
      delivery({ note: name }),
    ]);

    const reasons: string[] = [];
    // Two invocations: a batch holds at most 20 (SEND_BATCH_MAX).
    for (const batch of [deliveries.slice(0, 15), deliveries.slice(15)]) {
      const answer = (await client().invokeCloudFunction('quickstartFunctions', { type: 'sendBatchCustomerAssignNotification', deliveries: batch })) as {
        results: SendResult[];
      };
      reasons.push(...answer.results.map((r) => r.reason));
    }

    expect(reasons).toEqual(deliveries.map(() => 'SENT'));
    const perDelivery = new Map<string, number>();
    for (const message of emulator.messages) {
      const id = new URLSearchParams(message.page?.split('?')[1] ?? '').get('deliveryId') ?? '';
      perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
    }
    expect(deliveries.map((d) => perDelivery.get(d.deliveryId))).toEqual(deliveries.map(() => 1));
    const shown = emulator.messages.flatMap((m) => Object.values(m.data).map((v) => v.value));
    expect(shown).toEqual(expect.arrayContaining(['张三', '家庭客户', '李四', '王五', '赵六', '钱七', '孙八', '周九', '吴十', '郑一']));
  });
});

describe('strict text keywords', () => {
  const forbidden = ['😀', '👨‍👩‍👧‍👦', '\u200b', '\u200d', '\u200f', '\u2060', '\ufeff', '\u202a', '\u202e', '\u2066', '\u2069', '\u0007', '\u007f'];

  it.each(['thing', 'name'] as const)('a %s value with emoji, zero-width, bidi or control characters is refused', (type) => {
    for (const character of forbidden) expect(KEYWORD_RULES[type](`张${character}三`), JSON.stringify(character)).toBe(false);
    expect(KEYWORD_RULES[type]('张三（VIP）-1')).toBe(true);
  });

  it('WeChat answers 47003 naming the keyword', async () => {
    const gate = createSubscribeGate({ templates: [{ id: 't', title: '客户分配通知', keywords: ['thing1'] }], pages: [], hasPermission: () => true, now: Date.now });
    gate.accept('o', 't', 1);

    await expect(gate.send({ touser: 'o', templateId: 't', data: { thing1: { value: '张三😀' } } })).rejects.toMatchObject({
      errCode: 47003,
      errMsg: expect.stringContaining('argument invalid! data.thing1.value invalid'),
    });
    expect(gate.messages).toHaveLength(0);
  });
});
