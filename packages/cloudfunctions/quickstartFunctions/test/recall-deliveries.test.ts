import { describe, expect, it } from 'vitest';
import { resultKindOf, type SendResult } from '@leadnotify/contracts';
import { createTestFunction, notification, sendEvent, signEvent, TEMPLATE_ID } from './helpers.js';

type TestFunction = ReturnType<typeof createTestFunction>;

function recallEvent(deliveryIds: string[]) {
  return { type: 'recallDeliveries', deliveryIds };
}

async function recall(fn: TestFunction, deliveryId: string): Promise<SendResult> {
  const answer = await fn.handle(recallEvent([deliveryId]));
  expect(answer.ok).toBe(true);
  return answer.results[0];
}

/**
 * A send run WeChat stops before its write number `killAt`: 1 the record (reserved), 2 the count and hold, 3 sending,
 * 4 the outcome, 5 and 6 giving the unit back (for a send WeChat refused). Leaves the run's record as it was.
 */
async function sendStoppedBeforeWrite(fn: TestFunction, item: ReturnType<typeof notification>, killAt: number) {
  const run = fn.fake.startInvocation({ SOURCE: 'wx_http' });
  let writes = 0;
  fn.fake.onWrite((write) => {
    if (write.invocation === run && ++writes === killAt) run.kill();
  });
  void run.run(() => fn.handle(sendEvent(item)));
  await run.finished();
  fn.fake.onWrite(() => {});
}

function quota(fn: TestFunction, openid: string) {
  return fn.fake.docs('subscription_quotas').find((doc) => doc._id === `${openid}:${TEMPLATE_ID}`) ?? {};
}

async function boundAndSubscribed(remaining: number) {
  const fn = createTestFunction();
  await fn.bind('crm-user-1', 'openid-zhang');
  await fn.subscribe('openid-zhang', remaining);
  return fn;
}

describe('recallDeliveries', () => {
  it('a delivery the function never saw is recalled for good: a later send of it answers RECALLED, sends nothing and uses no unit', async () => {
    const fn = await boundAndSubscribed(1);
    const item = notification();

    const answer = await fn.handle(recallEvent([item.deliveryId]));
    const send = await fn.handle(sendEvent(item));
    const inBatch = await fn.handle({ type: 'sendBatchCustomerAssignNotification', deliveries: [item] });

    expect(answer).toEqual({ ok: true, results: [{ deliveryId: item.deliveryId, reason: 'RECALLED', message: expect.any(String) }] });
    expect(resultKindOf('RECALLED')).toBe('withdrawn');
    expect(send.result).toMatchObject({ deliveryId: item.deliveryId, reason: 'RECALLED' });
    expect(inBatch.results[0]).toMatchObject({ deliveryId: item.deliveryId, reason: 'RECALLED' });
    expect(fn.fake.sent).toEqual([]);
    expect(fn.deliveryStates()).toEqual({ [item.deliveryId]: 'recalled' });
    expect(quota(fn, 'openid-zhang')).toMatchObject({ remaining: 1 });
  });

  it('a delivery that was sent answers ALREADY_SENT with its template and MsgID: a message that went out is never called recalled', async () => {
    const fn = await boundAndSubscribed(1);
    fn.fake.onSend(async () => ({ msgid: '3248682510344192008' }));
    const item = notification();
    await fn.handle(sendEvent(item));

    const result = await recall(fn, item.deliveryId);

    expect(result).toMatchObject({ reason: 'ALREADY_SENT', openid: 'openid-zhang', templateId: TEMPLATE_ID, msgId: '3248682510344192008' });
    expect(fn.deliveryStates()[item.deliveryId]).toBe('sent');
  });

  it('an unconfirmed delivery answers its recorded result: it may have reached the salesperson', async () => {
    const fn = await boundAndSubscribed(1);
    fn.fake.failSendsWith(-1, 'system busy', 1);
    const item = notification();
    const sent = (await fn.handle(sendEvent(item))).result;

    const result = await recall(fn, item.deliveryId);

    expect(result).toEqual(sent);
    expect(resultKindOf(result.reason)).toBe('unconfirmed');
    expect(fn.deliveryStates()[item.deliveryId]).toBe('unconfirmed');
  });

  it("a run that may be alive answers IN_PROGRESS; once it is certainly dead, its reservation is recalled and the unit it held given back", async () => {
    const fn = await boundAndSubscribed(2);
    const item = notification();
    await sendStoppedBeforeWrite(fn, item, 3);
    expect(quota(fn, 'openid-zhang')).toMatchObject({ remaining: 1 });

    const early = await recall(fn, item.deliveryId);
    fn.clock.advance(fn.config.staleRecordMs + 1);
    const late = await recall(fn, item.deliveryId);
    const resend = await fn.handle(sendEvent(item));

    expect(early.reason).toBe('IN_PROGRESS');
    expect(late.reason).toBe('RECALLED');
    expect(resend.result.reason).toBe('RECALLED');
    expect(quota(fn, 'openid-zhang')).toMatchObject({ remaining: 2, holds: {} });
    expect(fn.fake.sent).toEqual([]);
  });

  it("a dead run's send answers SEND_INTERRUPTED as a send would: the unit stays used, the record unconfirmed for good", async () => {
    const fn = await boundAndSubscribed(2);
    const item = notification();
    await sendStoppedBeforeWrite(fn, item, 4);
    expect(fn.fake.sent).toHaveLength(1);

    const early = await recall(fn, item.deliveryId);
    fn.clock.advance(fn.config.staleRecordMs + 1);
    const late = await recall(fn, item.deliveryId);
    const again = await fn.handle(sendEvent(item));

    expect(early.reason).toBe('IN_PROGRESS');
    expect(late).toMatchObject({ reason: 'SEND_INTERRUPTED', openid: 'openid-zhang', templateId: TEMPLATE_ID });
    expect(again.result).toEqual(late);
    expect(fn.deliveryStates()[item.deliveryId]).toBe('unconfirmed');
    expect(quota(fn, 'openid-zhang')).toMatchObject({ remaining: 1, holds: {} });
    expect(fn.fake.sent).toHaveLength(1);
  });

  it('an open delivery (skipped, or failed for certain) is recalled, and a unit a stopped run left held for it goes back', async () => {
    const fn = await boundAndSubscribed(2);
    const skipped = notification({ assigneeId: 'crm-user-unbound' });
    const failed = notification();
    await fn.handle(sendEvent(skipped));
    fn.fake.failSendsWith(45011, 'rate limited', 1);
    // WeChat refused the send; the run was stopped after recording it open, before giving the unit back.
    await sendStoppedBeforeWrite(fn, failed, 5);
    expect(fn.deliveryStates()).toEqual({ [skipped.deliveryId]: 'open', [failed.deliveryId]: 'open' });
    expect(quota(fn, 'openid-zhang')).toMatchObject({ remaining: 1 });

    const answer = await fn.handle(recallEvent([skipped.deliveryId, failed.deliveryId]));
    await fn.bind('crm-user-unbound', 'openid-li');
    await fn.subscribe('openid-li', 1);
    const afterBinding = await fn.handle(sendEvent(skipped));

    expect(answer.results.map((result: SendResult) => [result.deliveryId, result.reason])).toEqual([
      [skipped.deliveryId, 'RECALLED'],
      [failed.deliveryId, 'RECALLED'],
    ]);
    expect(afterBinding.result.reason).toBe('RECALLED');
    expect(quota(fn, 'openid-zhang')).toMatchObject({ remaining: 2, holds: {} });
    expect(fn.fake.sent).toEqual([]);
  });

  it('recalling again answers the same, one result per id in order', async () => {
    const fn = await boundAndSubscribed(1);
    const sent = notification();
    await fn.handle(sendEvent(sent));
    const never = notification();

    const first = await fn.handle(recallEvent([never.deliveryId, sent.deliveryId]));
    const second = await fn.handle(recallEvent([never.deliveryId, sent.deliveryId]));

    expect(first.results.map((result: SendResult) => result.reason)).toEqual(['RECALLED', 'ALREADY_SENT']);
    expect(second).toEqual(first);
  });

  it('only the CRM server may recall (HTTP API or a signed event); a malformed event is refused with its problems', async () => {
    const fn = createTestFunction();
    const item = notification();
    fn.asMiniProgramUser('openid-attacker');

    const fromPhone = await fn.handle(recallEvent([item.deliveryId]));
    fn.fake.setContext({ SOURCE: 'scf' });
    const signed = await fn.handle(signEvent(recallEvent(['signed-1'])));
    fn.asHttpApi();
    const empty = await fn.handle(recallEvent([]));
    const notIds = await fn.handle({ type: 'recallDeliveries', deliveryIds: [''] });

    expect(fromPhone).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(signed).toMatchObject({ ok: true, results: [{ deliveryId: 'signed-1', reason: 'RECALLED' }] });
    expect(empty).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT', details: [{ path: 'event.deliveryIds' }] } });
    expect(notIds).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT', details: [{ path: 'event.deliveryIds.0' }] } });
    expect(fn.deliveryStates()).toEqual({ 'signed-1': 'recalled' });
  });

  it('keeps to the batch time budget: what could not finish before the limit answers NOT_ATTEMPTED and is left as it was', async () => {
    const fn = createTestFunction({ FUNCTION_TIMEOUT_MS: '3000', SEND_SAFETY_MARGIN_MS: '500', SEND_CONCURRENCY: '1' });
    // Each recall of an unknown id is one read and one write: 400 ms here.
    fn.fake.onWrite(() => fn.clock.advance(400));
    const ids = Array.from({ length: 10 }, (_, index) => `d-${index}`);

    const answer = await fn.handle(recallEvent(ids));

    // Started at 0, 400, …, 2000 (the sixth ends at 2.4 s); a seventh would end at 2.8 s, past 3 s less 0.5 s.
    expect(answer.results.map((result: SendResult) => result.reason)).toEqual([...Array(6).fill('RECALLED'), ...Array(4).fill('NOT_ATTEMPTED')]);
    expect(Object.keys(fn.deliveryStates()).sort()).toEqual(ids.slice(0, 6));
  });
});

describe('a recall and a send of the same delivery at the same time', () => {
  const ticks = async (count: number) => {
    for (let index = 0; index < count; index++) await Promise.resolve();
  };

  /**
   * Runs the send and the recall, one started `lead` microtasks after the other (the recall first when `lead` is
   * negative), and checks that at most one of them won.
   */
  async function race(prepare: (fn: TestFunction, item: ReturnType<typeof notification>) => Promise<void>, lead: number) {
    const fn = await boundAndSubscribed(1);
    const item = notification();
    await prepare(fn, item);

    const [send, recalled] = await Promise.all([
      ticks(Math.max(0, -lead)).then(() => fn.handle(sendEvent(item))),
      ticks(Math.max(0, lead)).then(() => recall(fn, item.deliveryId)),
    ]);

    const state = fn.deliveryStates()[item.deliveryId];
    if (fn.fake.sent.length === 1) {
      expect(send.result.reason).toBe('SENT');
      expect(['IN_PROGRESS', 'ALREADY_SENT']).toContain(recalled.reason);
      expect(state).toBe('sent');
    } else {
      expect(fn.fake.sent).toEqual([]);
      expect(recalled.reason).toBe('RECALLED');
      expect(['RECALLED', 'IN_PROGRESS']).toContain(send.result.reason);
      expect(state).toBe('recalled');
    }
    // The one acceptance is used by a message out, or still there: never lost to a hold nobody will settle.
    expect(quota(fn, 'openid-zhang').remaining).toBe(1 - fn.fake.sent.length);
    expect(quota(fn, 'openid-zhang').holds ?? {}).toEqual({});
    return recalled.reason === 'RECALLED' ? 'recall won' : 'send won';
  }

  it.each([
    ['no record yet', async () => {}],
    ['an open record (skipped before the binding)', async (fn: TestFunction, item: ReturnType<typeof notification>) => {
      await fn.handle(sendEvent({ ...item, assigneeId: 'crm-user-unbound' }));
    }],
    ["a dead run's reservation holding the unit", async (fn: TestFunction, item: ReturnType<typeof notification>) => {
      await sendStoppedBeforeWrite(fn, item, 3);
      fn.clock.advance(fn.config.staleRecordMs + 1);
    }],
  ])('with %s: never both win, whichever comes first', async (_name, prepare) => {
    const winners = new Set<string>();
    for (let lead = -30; lead <= 30; lead++) winners.add(await race(prepare, lead));

    // The leads cover both orders: the checks above ran for a recall that won and for a send that won.
    expect([...winners].sort()).toEqual(['recall won', 'send won']);
  });
});

describe('WeChat stops a recall at its limit', () => {
  // A recall of a dead run's reservation writes: 1 the record (recalled), 2 the unit back with its hold, 3 a probe's
  // hold dropped. A stop before any of them, or after all (the answer lost), leaves what the next call repairs.
  it.each([1, 2, 3, 'answer'] as const)('stopped before write %s: the next recall or send answers RECALLED, the unit is back, nothing is sent', async (killAt) => {
    const fn = await boundAndSubscribed(2);
    const item = notification();
    await sendStoppedBeforeWrite(fn, item, 3);
    fn.clock.advance(fn.config.staleRecordMs + 1);
    const run = fn.fake.startInvocation({ SOURCE: 'wx_http' });
    let writes = 0;
    fn.fake.onWrite((write) => {
      if (write.invocation === run && ++writes === killAt) run.kill();
    });

    let answered = false;
    void run.run(() => fn.handle(recallEvent([item.deliveryId]))).then(() => (answered = true));
    await run.finished();
    fn.fake.onWrite(() => {});
    expect(answered).toBe(killAt === 'answer');

    const next = await recall(fn, item.deliveryId);
    const send = await fn.handle(sendEvent(item));

    expect(next.reason).toBe('RECALLED');
    expect(send.result.reason).toBe('RECALLED');
    expect(fn.deliveryStates()[item.deliveryId]).toBe('recalled');
    expect(quota(fn, 'openid-zhang')).toMatchObject({ remaining: 2, holds: {} });
    expect(fn.fake.sent).toEqual([]);
  });

  it('stopped between its two writes, the unit comes back with the next send of the id, as with the next recall', async () => {
    const fn = await boundAndSubscribed(2);
    const item = notification();
    await sendStoppedBeforeWrite(fn, item, 3);
    fn.clock.advance(fn.config.staleRecordMs + 1);
    const run = fn.fake.startInvocation({ SOURCE: 'wx_http' });
    let writes = 0;
    fn.fake.onWrite((write) => {
      if (write.invocation === run && ++writes === 2) run.kill();
    });
    void run.run(() => fn.handle(recallEvent([item.deliveryId])));
    await run.finished();
    fn.fake.onWrite(() => {});
    expect(quota(fn, 'openid-zhang')).toMatchObject({ remaining: 1 });

    const send = await fn.handle(sendEvent(item));

    expect(send.result.reason).toBe('RECALLED');
    expect(quota(fn, 'openid-zhang')).toMatchObject({ remaining: 2, holds: {} });
  });
});
