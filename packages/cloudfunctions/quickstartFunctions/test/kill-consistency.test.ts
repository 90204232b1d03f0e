import { describe, expect, it } from 'vitest';
import { resultKindOf } from '@leadnotify/contracts';
import { createTestFunction, notification, sendEvent, TEMPLATE_ID } from './helpers.js';

function quota(fn: ReturnType<typeof createTestFunction>, openid: string) {
  return fn.fake.docs('subscription_quotas').find((doc) => doc._id === `${openid}:${TEMPLATE_ID}`) ?? {};
}

describe('WeChat stops the function at its limit: count and outcome stay consistent', () => {
  // A send writes, in order: 1 the delivery record (reserved), 2 the count and hold, 3 sending, 4 the outcome,
  // 5 the hold's release. "send": stopped while WeChat is sending (the message reaches the user).
  it.each([1, 2, 3, 'send', 4, 5] as const)('killed before write %s: the next attempt repairs it, one message, one unit used', async (killAt) => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 2);
    const item = notification();
    const run = fn.fake.startInvocation({ SOURCE: 'wx_http' });
    let writes = 0;
    fn.fake.onWrite((write) => {
      if (write.invocation === run && ++writes === killAt) run.kill();
    });
    fn.fake.onSend(async () => {
      if (killAt === 'send') run.kill();
    });

    let answered = false;
    void run.run(() => fn.handle(sendEvent(item))).then(() => (answered = true));
    await run.finished();
    fn.fake.onWrite(() => {});
    const messagesAtKill = fn.fake.sent.length;
    const atKill = { remaining: Number(quota(fn, 'openid-zhang').remaining), holds: Object.keys((quota(fn, 'openid-zhang').holds as object) ?? {}).length };

    expect(answered).toBe(false);
    // At the instant of the kill: units used = messages out + units held for a send not yet made.
    expect(2 - atKill.remaining).toBe(messagesAtKill + (messagesAtKill === 0 ? atKill.holds : 0));
    // A live run's record (it may still be running, as far as anyone can tell) is left alone.
    if (killAt !== 1) expect((await fn.handle(sendEvent(item))).result.reason).toBe(killAt === 5 ? 'ALREADY_SENT' : 'IN_PROGRESS');

    fn.clock.advance(fn.config.staleRecordMs + 1);
    const repaired = (await fn.handle(sendEvent(item))).result;
    const again = (await fn.handle(sendEvent(item))).result;

    expect(fn.fake.sent).toHaveLength(1);
    expect(quota(fn, 'openid-zhang')).toMatchObject({ remaining: 1, holds: {} });
    const expected = killAt === 'send' || killAt === 4 ? 'SEND_INTERRUPTED' : killAt === 5 ? 'ALREADY_SENT' : 'SENT';
    expect(repaired.reason).toBe(expected);
    expect(resultKindOf(repaired.reason)).toBe(expected === 'SEND_INTERRUPTED' ? 'unconfirmed' : 'sent');
    expect(['sent', 'unconfirmed']).toContain(fn.deliveryStates()[item.deliveryId]);
    expect(again.reason).toBe(expected === 'SEND_INTERRUPTED' ? 'SEND_INTERRUPTED' : 'ALREADY_SENT');
  });

  it('a 3.5 s send past the 3 s limit: the unit is not lost and the message is not sent twice', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    const item = notification();
    const run = fn.fake.startInvocation({ SOURCE: 'wx_http' });
    // WeChat delivers, then answers 3.5 s later; the run is killed at 3 s, before the answer.
    fn.fake.onSend(async () => {
      fn.clock.advance(3_000);
      run.kill();
    });

    void run.run(() => fn.handle(sendEvent(item)));
    await run.finished();
    fn.clock.advance(fn.config.staleRecordMs + 1);
    const retried = (await fn.handle(sendEvent(item))).result;

    expect(retried).toMatchObject({ reason: 'SEND_INTERRUPTED' });
    expect(fn.fake.sent).toHaveLength(1);
    expect(fn.remaining('openid-zhang')).toBe(0);
  });

  it('a killed run whose send WeChat refused gives the unit back on the next attempt, without a second unit', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    const item = notification();
    const run = fn.fake.startInvocation({ SOURCE: 'wx_http' });
    let writes = 0;
    fn.fake.onWrite((write) => {
      if (write.invocation === run && ++writes === 3) run.kill();
    });

    void run.run(() => fn.handle(sendEvent(item)));
    await run.finished();
    expect(fn.remaining('openid-zhang')).toBe(0);
    fn.clock.advance(fn.config.staleRecordMs + 1);
    fn.fake.failSendsWith(45011, 'rate limited', 1);
    const failed = (await fn.handle(sendEvent(item))).result;

    expect(failed).toMatchObject({ reason: 'RATE_LIMITED' });
    expect(fn.remaining('openid-zhang')).toBe(1);
    expect((await fn.handle(sendEvent(item))).result.reason).toBe('SENT');
    expect(fn.remaining('openid-zhang')).toBe(0);
  });
});
