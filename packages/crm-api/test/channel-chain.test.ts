import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createChannelChain } from '../src/delivery/channels/chain.js';
import type { Channel, LeadMessage } from '../src/delivery/channels/channel.js';
import type { ChannelOutcome } from '../src/delivery/states/transition.js';

const logger = pino({ level: 'silent' });
const message = (deliveryId: string): LeadMessage => ({
  deliveryId,
  assigneeId: `u-${deliveryId}`,
  customers: [{ id: 'c', name: '客户', company: null, phone: null, source: null }],
  assigners: [{ id: 'm', name: '王经理' }],
  notes: [],
  via: 'web',
  assignedAt: '2026-12-07T02:00:00.000Z',
});

/** A channel that answers each delivery id as told, and records what it was asked. */
function fake(name: string, answers: Record<string, ChannelOutcome>) {
  const asked: string[] = [];
  const channel: Channel = {
    name,
    async send(messages) {
      asked.push(...messages.map((m) => m.deliveryId));
      return new Map(messages.map((m) => [m.deliveryId, answers[m.deliveryId] ?? { reason: 'SENT', answered: true }]));
    },
    async recall(ids) {
      return new Map(ids.map((id) => [id, answers[`recall:${id}`] ?? { reason: 'RECALLED', answered: true }]));
    },
  };
  return { channel, asked };
}

const SKIP: ChannelOutcome = { reason: 'NO_SUBSCRIPTION', answered: true };
const context = { startedAtMs: 0 };

describe('the channel policy (NOTIFY_CHANNELS in order)', () => {
  it('tries the next channel only for the messages the first cannot deliver, and names the channel of each outcome', async () => {
    const subscribe = fake('wechat-subscribe', { b: SKIP, c: SKIP });
    const wecom = fake('wecom', { c: { reason: 'WECOM_NOT_SET', answered: true } });

    const outcomes = await createChannelChain([subscribe.channel, wecom.channel], logger).send([message('a'), message('b'), message('c')], context);

    expect(wecom.asked).toEqual(['b', 'c']);
    expect(Object.fromEntries([...outcomes].map(([id, o]) => [id, [o.reason, o.channel]]))).toEqual({
      a: ['SENT', 'wechat-subscribe'],
      b: ['SENT', 'wecom'],
      // WeCom cannot reach them either: the subscribe skip stands, so an acceptance still catches the lead up.
      c: ['NO_SUBSCRIPTION', 'wechat-subscribe'],
    });
  });

  it('the order is the operator\'s: WeCom first reaches them there, and the subscribe message is not asked', async () => {
    const subscribe = fake('wechat-subscribe', {});
    const wecom = fake('wecom', {});

    const outcomes = await createChannelChain([wecom.channel, subscribe.channel], logger).send([message('a')], context);

    expect([outcomes.get('a')?.channel, subscribe.asked]).toEqual(['wecom', []]);
  });

  it('a later channel\'s skip with a fix replaces the earlier one; its permanent failure keeps the earlier skip', async () => {
    const subscribe = fake('wechat-subscribe', { a: SKIP, b: SKIP });
    const wecom = fake('wecom', { a: { reason: 'WECOM_USER_INVALID', answered: true }, b: { reason: 'WECOM_IP_NOT_TRUSTED', answered: true } });

    const outcomes = await createChannelChain([subscribe.channel, wecom.channel], logger).send([message('a'), message('b')], context);

    expect([outcomes.get('a')?.reason, outcomes.get('b')?.reason]).toEqual(['WECOM_USER_INVALID', 'NO_SUBSCRIPTION']);
    // What the subscribe message said stays beside the answer that replaced it; a skip that stands replaced nothing.
    expect([outcomes.get('a')?.passedOver, outcomes.get('b')?.passedOver]).toEqual(['NO_SUBSCRIPTION', undefined]);
  });

  it("a lead the next channel delivered keeps what the first said of the salesperson (not bound, none left)", async () => {
    const subscribe = fake('wechat-subscribe', { a: { reason: 'NOT_BOUND', answered: true }, b: SKIP });
    const wecom = fake('wecom', {});

    const outcomes = await createChannelChain([subscribe.channel, wecom.channel], logger).send([message('a'), message('b'), message('c')], context);

    expect([...outcomes].map(([id, o]) => [id, o.reason, o.channel, o.passedOver])).toEqual([
      ['a', 'SENT', 'wecom', 'NOT_BOUND'],
      ['b', 'SENT', 'wecom', 'NO_SUBSCRIPTION'],
      ['c', 'SENT', 'wechat-subscribe', undefined],
    ]);
  });

  it('an ambiguous answer of the first channel is not followed by the next: the message may have arrived', async () => {
    const subscribe = fake('wechat-subscribe', { a: { reason: 'SEND_INTERRUPTED', answered: true } });
    const wecom = fake('wecom', {});

    await createChannelChain([subscribe.channel, wecom.channel], logger).send([message('a')], context);

    expect(wecom.asked).toEqual([]);
  });

  it('a recall is answered by the channel that sent it when one did, else by the first', async () => {
    const subscribe = fake('wechat-subscribe', { 'recall:b': { reason: 'ALREADY_SENT', answered: true } });
    const wecom = fake('wecom', {});

    const outcomes = await createChannelChain([subscribe.channel, wecom.channel], logger).recall(['a', 'b'], context);

    expect([outcomes.get('a')?.reason, outcomes.get('b')?.reason, outcomes.get('b')?.channel]).toEqual(['RECALLED', 'ALREADY_SENT', 'wechat-subscribe']);
  });
});
