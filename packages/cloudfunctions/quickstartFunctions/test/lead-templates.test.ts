import { describe, expect, it } from 'vitest';
import { wxError } from '../src/testing/memory-cloud.js';
import { createTestFunction, notification, sendEvent } from './helpers.js';

/** The lead notice with three one-time templates, as docs/configuration.md recommends. */
const THREE = { SUBSCRIBE_TEMPLATE_IDS: 'tmpl-a,tmpl-b,tmpl-c' };
const OPENID = 'openid-zhang';

async function threeTemplates() {
  const fn = createTestFunction(THREE);
  await fn.bind('crm-user-1', OPENID);
  return fn;
}

const remainingOf = (fn: Awaited<ReturnType<typeof threeTemplates>>) => ['tmpl-a', 'tmpl-b', 'tmpl-c'].map((templateId) => fn.remaining(OPENID, templateId) ?? null);

describe('three lead templates: every acceptance of each is one message', () => {
  it('each send uses the first template that has stock, and the answer names it', async () => {
    const fn = await threeTemplates();
    await fn.subscribe(OPENID, 1, { templateId: 'tmpl-a' });
    await fn.subscribe(OPENID, 0, { templateId: 'tmpl-b', refused: true });
    await fn.subscribe(OPENID, 2, { templateId: 'tmpl-c' });
    fn.asHttpApi();

    const results = [];
    for (let lead = 0; lead < 3; lead++) results.push((await fn.handle(sendEvent(notification()))).result);

    expect(results.map((result) => [result.reason, result.templateId])).toEqual([
      ['SENT', 'tmpl-a'],
      ['SENT', 'tmpl-c'],
      ['SENT', 'tmpl-c'],
    ]);
    expect(fn.fake.sent.map((message) => message.templateId)).toEqual(['tmpl-a', 'tmpl-c', 'tmpl-c']);
    expect(remainingOf(fn)).toEqual([0, 0, 0]);
  });

  it('43101 for one template (WeChat held none) tries the next in the same run; the refusal is recorded for that template only', async () => {
    const fn = await threeTemplates();
    fn.asHttpApi();
    // No count known (no push came): each template is asked in turn.
    fn.fake.onSend(async (message) => {
      if (message.templateId === 'tmpl-a') throw wxError(43101, 'openapi.subscribeMessage.send:fail 43101 user refuse to accept the msg');
    });

    const result = (await fn.handle(sendEvent(notification()))).result;

    expect(result).toMatchObject({ reason: 'SENT', templateId: 'tmpl-b' });
    expect(fn.fake.sent.map((message) => message.templateId)).toEqual(['tmpl-b']);
    const refused = Object.fromEntries(fn.fake.docs('subscription_quotas').map((doc) => [doc.templateId, doc.refused]));
    expect(refused).toEqual({ 'tmpl-a': true, 'tmpl-b': false });
  });

  it('40037 for one template (its id deleted in the admin) sends with the next in the same run; its unit is given back', async () => {
    const fn = await threeTemplates();
    await fn.subscribe(OPENID, 1, { templateId: 'tmpl-a' });
    await fn.subscribe(OPENID, 1, { templateId: 'tmpl-b' });
    fn.asHttpApi();
    fn.fake.onSend(async (message) => {
      if (message.templateId === 'tmpl-a') throw wxError(40037, 'openapi.subscribeMessage.send:fail 40037 invalid template_id');
    });

    const result = (await fn.handle(sendEvent(notification()))).result;

    expect(result).toMatchObject({ reason: 'SENT', templateId: 'tmpl-b' });
    expect(remainingOf(fn)).toEqual([1, 0, null]);
    expect(fn.logs.some((line) => line.includes('40037'))).toBe(true);
  });

  it('with every template refused it skips (NO_SUBSCRIPTION) without asking WeChat', async () => {
    const fn = await threeTemplates();
    for (const templateId of ['tmpl-a', 'tmpl-b', 'tmpl-c']) await fn.subscribe(OPENID, 0, { templateId, refused: true });
    fn.asHttpApi();
    let asked = 0;
    fn.fake.onSend(async () => {
      asked++;
    });

    expect((await fn.handle(sendEvent(notification()))).result.reason).toBe('NO_SUBSCRIPTION');
    expect(asked).toBe(0);
  });

  it('WeChat refusing all three in one run ends NO_SUBSCRIPTION, having asked each once', async () => {
    const fn = await threeTemplates();
    fn.asHttpApi();
    fn.fake.failSendsWith(43101, 'user refuse to accept the msg');

    expect((await fn.handle(sendEvent(notification()))).result.reason).toBe('NO_SUBSCRIPTION');
    expect(fn.fake.docs('subscription_quotas').map((doc) => [doc.templateId, doc.refused, doc.holds ?? {}])).toEqual([
      ['tmpl-a', true, {}],
      ['tmpl-b', true, {}],
      ['tmpl-c', true, {}],
    ]);
    expect(fn.deliveryStates()).toEqual({ [fn.fake.docs('notification_deliveries')[0]!._id as string]: 'open' });
  });

  it.each([1, 2, 3, 4, 5])('a run stopped before write %i reuses the hold it took, in whichever template: one message, one unit of that template', async (killAt) => {
    const fn = await threeTemplates();
    await fn.subscribe(OPENID, 0, { templateId: 'tmpl-a', refused: true });
    await fn.subscribe(OPENID, 1, { templateId: 'tmpl-b' });
    await fn.subscribe(OPENID, 1, { templateId: 'tmpl-c' });
    const item = notification();
    const run = fn.fake.startInvocation({ SOURCE: 'wx_http' });
    let writes = 0;
    fn.fake.onWrite((write) => {
      if (write.invocation === run && ++writes === killAt) run.kill();
    });
    void run.run(() => fn.handle(sendEvent(item)));
    await run.finished();
    fn.fake.onWrite(() => {});

    fn.clock.advance(fn.config.staleRecordMs + 1);
    fn.asHttpApi();
    const repaired = (await fn.handle(sendEvent(item))).result;

    expect(fn.fake.sent.map((message) => message.templateId)).toEqual(['tmpl-b']);
    expect(repaired.templateId).toBe('tmpl-b');
    expect(remainingOf(fn)).toEqual([0, 0, 1]);
    expect(fn.fake.docs('subscription_quotas').every((doc) => Object.keys((doc.holds as object | undefined) ?? {}).length === 0)).toBe(true);
  });

  it('a recall of a delivery stopped while holding a unit gives it back to its template', async () => {
    const fn = await threeTemplates();
    await fn.subscribe(OPENID, 0, { templateId: 'tmpl-a', refused: true });
    await fn.subscribe(OPENID, 1, { templateId: 'tmpl-b' });
    const item = notification();
    const run = fn.fake.startInvocation({ SOURCE: 'wx_http' });
    let writes = 0;
    // Stopped after taking tmpl-b's unit (write 2), before recording it as sending.
    fn.fake.onWrite((write) => {
      if (write.invocation === run && ++writes === 3) run.kill();
    });
    void run.run(() => fn.handle(sendEvent(item)));
    await run.finished();
    fn.fake.onWrite(() => {});
    expect(remainingOf(fn)).toEqual([0, 0, null]);

    fn.clock.advance(fn.config.staleRecordMs + 1);
    fn.asHttpApi();
    const recalled = await fn.handle({ type: 'recallDeliveries', deliveryIds: [item.deliveryId] });

    expect(recalled.results).toMatchObject([{ reason: 'RECALLED' }]);
    expect(remainingOf(fn)).toEqual([0, 1, null]);
    expect(fn.fake.sent).toEqual([]);
  });
});

describe('what the kit asks: the lead templates and the caller\'s stock', () => {
  it('subscriptionStatus lists the templates in their order with the stock of each and in total', async () => {
    const fn = await threeTemplates();
    await fn.subscribe(OPENID, 2, { templateId: 'tmpl-a' });
    await fn.subscribe(OPENID, 0, { templateId: 'tmpl-c', refused: true });
    fn.asMiniProgramUser(OPENID);

    expect(await fn.handle({ type: 'subscriptionStatus' })).toEqual({
      ok: true,
      templates: [
        { templateId: 'tmpl-a', remaining: 2, refused: false },
        { templateId: 'tmpl-b', remaining: 0, refused: false },
        { templateId: 'tmpl-c', remaining: 0, refused: true },
      ],
      remaining: 2,
    });
    fn.asHttpApi();
    expect((await fn.handle({ type: 'subscriptionStatus' })).error.code).toBe('FORBIDDEN');
  });

  it('recordSubscription takes the dialog\'s result for several templates: accepts lift refusals (a hint, no count), others change nothing', async () => {
    const fn = await threeTemplates();
    for (const templateId of ['tmpl-a', 'tmpl-b', 'tmpl-c']) await fn.subscribe(OPENID, 0, { templateId, refused: true });
    fn.asMiniProgramUser(OPENID);

    const answer = await fn.handle({
      type: 'recordSubscription',
      results: { errMsg: 'requestSubscribeMessage:ok', 'tmpl-a': 'accept', 'tmpl-b': 'reject', 'tmpl-c': 'acceptWithAlert' },
    });

    expect(answer).toMatchObject({ ok: true, remaining: 0, templates: [{ refused: false }, { refused: true }, { refused: false }] });
    const invalid = await fn.handle({ type: 'recordSubscription', results: { 'tmpl-a': 'maybe' } });
    expect(invalid.error).toMatchObject({ code: 'INVALID_EVENT', details: [{ path: 'event.results.tmpl-a' }] });
  });
});
