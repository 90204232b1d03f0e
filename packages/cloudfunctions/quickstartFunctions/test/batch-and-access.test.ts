import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createTestFunction, notification, sendEvent, signEvent } from './helpers.js';
import { REASONS, resultKindOf, type SendResult } from '@leadnotify/contracts';

function batchEvent(items: unknown[]) {
  return { type: 'sendBatchCustomerAssignNotification', deliveries: items };
}

describe('sendBatchCustomerAssignNotification', () => {
  it('sends one message per notification and returns one result per notification, in order', async () => {
    const fn = createTestFunction();
    for (const user of ['u1', 'u2', 'u3']) {
      await fn.bind(user, `openid-${user}`);
      await fn.subscribe(`openid-${user}`, 1);
    }
    const items = ['u1', 'u2', 'u3', 'u4'].map((assigneeId) => notification({ assigneeId }));

    const response = await fn.handle(batchEvent(items));

    expect(response.ok).toBe(true);
    expect(response.results.map((r: SendResult) => [r.deliveryId, r.reason])).toEqual([
      [items[0]!.deliveryId, 'SENT'],
      [items[1]!.deliveryId, 'SENT'],
      [items[2]!.deliveryId, 'SENT'],
      [items[3]!.deliveryId, 'NOT_BOUND'],
    ]);
    expect(fn.fake.sent.map((m) => m.touser).sort()).toEqual(['openid-u1', 'openid-u2', 'openid-u3']);
  });

  it('sends concurrently but never more than SEND_CONCURRENCY at once', async () => {
    const fn = createTestFunction({ SEND_CONCURRENCY: '3' });
    const items = Array.from({ length: 10 }, (_, index) => notification({ assigneeId: `u${index}` }));
    for (const item of items) {
      await fn.bind(item.assigneeId, `openid-${item.assigneeId}`);
      await fn.subscribe(`openid-${item.assigneeId}`, 1);
    }
    fn.fake.onSend(() => new Promise((resolve) => setTimeout(resolve, 10)));

    const response = await fn.handle(batchEvent(items));

    expect(response.results.map((r: SendResult) => r.reason)).toEqual(items.map(() => 'SENT'));
    expect(fn.fake.maxSendsInFlight()).toBe(3);
  });

  it('refuses a batch over the cap (default 20) as a whole', async () => {
    const fn = createTestFunction();

    const response = await fn.handle(batchEvent(Array.from({ length: 21 }, () => notification())));

    expect(response).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT', details: { limit: 20, received: 21 } } });
    expect(fn.fake.sent).toEqual([]);
  });

  it('an invalid item fails alone; the others are sent', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    const good = notification();

    const response = await fn.handle(batchEvent([{ deliveryId: 'broken' }, good]));

    expect(response.results[0]).toMatchObject({ deliveryId: 'broken', reason: 'INVALID_NOTIFICATION' });
    expect(resultKindOf(response.results[0].reason)).toBe('permanent');
    expect(response.results[1]).toMatchObject({ deliveryId: good.deliveryId, reason: 'SENT' });
  });

  it('starts a send only if it can finish before the limit: with 1.6 s sends, 20 items → one round, the rest NOT_ATTEMPTED at once', async () => {
    // Time scaled down 10×: a 300 ms limit, 160 ms sends, a 50 ms margin (3 s, 1.6 s, 0.5 s). On fake timers: the
    // function reads the faked Date.now(), a send's 160 ms pass when the timers are run, and nothing else takes time.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const fn = createTestFunction({ FUNCTION_TIMEOUT_MS: '300', SEND_SAFETY_MARGIN_MS: '50', SEND_ESTIMATE_MS: '100' }, { realClock: true });
    const items = Array.from({ length: 20 }, (_, index) => notification({ assigneeId: `u${index}` }));
    for (const item of items) {
      await fn.bind(item.assigneeId, `openid-${item.assigneeId}`);
      await fn.subscribe(`openid-${item.assigneeId}`, 1);
    }
    fn.fake.onSend(() => new Promise((resolve) => setTimeout(resolve, 160)));

    const rounds: Array<{ reasons: string[]; ms: number }> = [];
    for (let round = 0; round < 6 && fn.fake.sent.length < 20; round++) {
      const started = Date.now();
      const answering = fn.handle(batchEvent(items));
      await vi.runAllTimersAsync();
      const response = await answering;
      rounds.push({ reasons: response.results.map((r: { reason: string }) => r.reason), ms: Date.now() - started });
    }

    const [first] = rounds;
    expect(first?.reasons.filter((reason) => reason === 'SENT')).toHaveLength(5);
    expect(first?.reasons.filter((reason) => reason === 'NOT_ATTEMPTED')).toHaveLength(15);
    expect(REASONS.NOT_ATTEMPTED).toMatchObject({ disposition: 'requeue', waitMs: 0 });
    // Each round answers as its sends are answered, within the limit: the items it does not start wait for nothing.
    expect(rounds.map((r) => r.ms)).toEqual([160, 160, 160, 160]);
    expect(rounds).toHaveLength(4);
    expect(new Set(fn.fake.sent.map((m) => m.touser)).size).toBe(20);
    expect(fn.fake.sent).toHaveLength(20);
    expect(Object.values(fn.deliveryStates()).every((state) => state === 'sent')).toBe(true);
  });

  it('with a limit raised past the HTTP API\'s 5 s wait, plans against the wait: no result is sent to a caller that left', async () => {
    const fn = createTestFunction({ FUNCTION_TIMEOUT_MS: '10000', SEND_SAFETY_MARGIN_MS: '500', SEND_ESTIMATE_MS: '1600', SEND_CONCURRENCY: '1' });
    const items = Array.from({ length: 6 }, (_, index) => notification({ assigneeId: `u${index}` }));
    for (const item of items) {
      await fn.bind(item.assigneeId, `openid-${item.assigneeId}`);
      await fn.subscribe(`openid-${item.assigneeId}`, 1);
    }
    fn.fake.onSend(async () => fn.clock.advance(1600));

    const response = await fn.handle(batchEvent(items));

    // 1.6 s each from 0: the third would end at 4.8 s, past 5 s less the 0.5 s margin.
    expect(response.results.map((result: { reason: string }) => result.reason)).toEqual(['SENT', 'SENT', 'NOT_ATTEMPTED', 'NOT_ATTEMPTED', 'NOT_ATTEMPTED', 'NOT_ATTEMPTED']);
  });

  it('a retried batch sends only what was not sent before', async () => {
    const fn = createTestFunction();
    const items = ['u1', 'u2'].map((assigneeId) => notification({ assigneeId }));
    for (const item of items) {
      await fn.bind(item.assigneeId, `openid-${item.assigneeId}`);
      await fn.subscribe(`openid-${item.assigneeId}`, 2);
    }
    fn.fake.failSendsWith(45011, 'rate limited', 1);

    const first = await fn.handle(batchEvent(items));
    const second = await fn.handle(batchEvent(items));

    expect(first.results.map((r: SendResult) => r.reason).sort()).toEqual(['RATE_LIMITED', 'SENT']);
    expect(second.results.map((r: SendResult) => r.reason).sort()).toEqual(['ALREADY_SENT', 'SENT']);
    expect(fn.fake.sent).toHaveLength(2);
  });
});

describe('who may call the send types', () => {
  it('refuses a mini-program user calling with wx.cloud.callFunction', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    fn.asMiniProgramUser('openid-attacker');

    const single = await fn.handle(sendEvent(notification()));
    const batch = await fn.handle(batchEvent([notification()]));

    expect(single).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(batch).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(fn.fake.sent).toEqual([]);
  });

  it('refuses a call chained from a client call, even though it passed through a cloud function', async () => {
    const fn = createTestFunction();
    fn.fake.setContext({ SOURCE: 'wx_client,scf' });

    expect((await fn.handle(sendEvent(notification()))).error.code).toBe('FORBIDDEN');
  });

  it('accepts an event signed with the shared secret from any source, and refuses a forged signature', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    fn.fake.setContext({ SOURCE: 'scf' });

    const forged = await fn.handle(signEvent(sendEvent(notification()), 'not-the-shared-secret-0123456789abcdef'));
    const signed = await fn.handle(signEvent(sendEvent(notification())));
    const tampered = signEvent(sendEvent(notification()));
    const tamperedResponse = await fn.handle({ ...tampered, assigneeId: 'someone-else' });

    expect(forged.error.code).toBe('FORBIDDEN');
    expect(signed.result.reason).toBe('SENT');
    expect(tamperedResponse.error.code).toBe('FORBIDDEN');
  });

  it('a signed event is good for five minutes either side of its signedAt: a captured one is refused later', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 3);
    fn.fake.setContext({ SOURCE: 'scf' });
    const start = Math.floor(Date.parse('2026-11-25T02:00:00Z') / 1000);
    const { signedAt: _signedAt, ...unsigned } = signEvent(sendEvent(notification({ deliveryId: 'untimed' })));
    const untimed = { ...unsigned, signature: signEvent(sendEvent(notification({ deliveryId: 'untimed' }))).signature };

    const fresh = await fn.handle(signEvent(sendEvent(notification({ deliveryId: 'fresh' })), undefined, start - 299));
    const stale = await fn.handle(signEvent(sendEvent(notification({ deliveryId: 'stale' })), undefined, start - 301));
    const future = await fn.handle(signEvent(sendEvent(notification({ deliveryId: 'future' })), undefined, start + 301));

    expect(fresh.result.reason).toBe('SENT');
    expect([stale.error.code, future.error.code, (await fn.handle(untimed)).error.code]).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
  });
});

describe('dispatch', () => {
  it.each([null, 'text', [], 42])('an event that is not an object (%j) is a structured error', async (event) => {
    const fn = createTestFunction();

    expect(await fn.handle(event)).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT' } });
  });

  it('an unknown type is a structured error naming the supported types', async () => {
    const fn = createTestFunction();

    const response = await fn.handle({ type: 'dropDatabase' });

    expect(response.error.code).toBe('UNKNOWN_TYPE');
    expect(response.error.details.supported).toContain('sendCustomerAssignNotification');
  });

  it('getOpenId answers like the stock quickstart', async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-me');

    expect(await fn.handle({ type: 'getOpenId' })).toEqual({ openid: 'openid-me', appid: 'wx-app', unionid: undefined });
  });
});
