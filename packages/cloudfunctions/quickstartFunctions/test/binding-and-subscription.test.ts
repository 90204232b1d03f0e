import { describe, expect, it } from 'vitest';
import { wxError } from '../src/testing/memory-cloud.js';
import { bindingTicket, createTestFunction, notification, sendEvent, signEvent, TEMPLATE_ID } from './helpers.js';

const seconds = (ms: number) => Math.floor(ms / 1000);

describe('bindCrmUser', () => {
  function validTicket(fn: ReturnType<typeof createTestFunction>, uid = 'crm-user-1') {
    return bindingTicket({ uid, iat: seconds(fn.clock.now()), exp: seconds(fn.clock.now()) + 300 });
  }

  it('binds the calling WeChat user to the CRM user named in a valid ticket', async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-zhang');

    const response = await fn.handle({ type: 'bindCrmUser', ticket: validTicket(fn) });

    expect(response).toEqual({ ok: true, crmUserId: 'crm-user-1', boundAt: '2026-11-25T02:00:00.000Z' });
    expect(fn.fake.docs('crm_user_bindings')).toEqual([
      { _id: 'crm-user-1', crmUserId: 'crm-user-1', openid: 'openid-zhang', boundAt: '2026-11-25T02:00:00.000Z' },
    ]);
  });

  it('after binding, notifications for that CRM user reach the bound openid', async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-zhang');
    await fn.handle({ type: 'bindCrmUser', ticket: validTicket(fn) });
    await fn.handle({ type: 'recordSubscription', templateId: TEMPLATE_ID, accepted: 'accept' });
    fn.asHttpApi();

    const response = await fn.handle(sendEvent(notification({ assigneeId: 'crm-user-1' })));

    expect(response.result.reason).toBe('SENT');
    expect(fn.fake.sent[0]?.touser).toBe('openid-zhang');
  });

  it('binding again replaces the openid: one binding per CRM user', async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-old-phone');
    await fn.handle({ type: 'bindCrmUser', ticket: validTicket(fn) });
    fn.asMiniProgramUser('openid-new-phone');

    await fn.handle({ type: 'bindCrmUser', ticket: validTicket(fn) });

    expect(fn.fake.docs('crm_user_bindings').map((doc) => doc.openid)).toEqual(['openid-new-phone']);
  });

  it('refuses an expired ticket', async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-zhang');
    const ticket = validTicket(fn);
    fn.clock.advance(301_000);

    expect((await fn.handle({ type: 'bindCrmUser', ticket })).error.code).toBe('TICKET_EXPIRED');
    expect(fn.fake.docs('crm_user_bindings')).toEqual([]);
  });

  it('refuses a ticket signed with another secret', async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-attacker');
    const forged = bindingTicket(
      { uid: 'crm-user-1', iat: seconds(fn.clock.now()), exp: seconds(fn.clock.now()) + 300 },
      'attacker-secret-0123456789abcdef0123456789',
    );

    expect((await fn.handle({ type: 'bindCrmUser', ticket: forged })).error.code).toBe('TICKET_INVALID');
    expect(fn.fake.docs('crm_user_bindings')).toEqual([]);
  });

  it("refuses another user's ticket edited to name a different CRM user", async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-attacker');
    const [version, , signature] = validTicket(fn, 'crm-attacker').split('.');
    const otherPayload = Buffer.from(JSON.stringify({ uid: 'crm-victim', iat: seconds(fn.clock.now()), exp: seconds(fn.clock.now()) + 300, nonce: 'x' }))
      .toString('base64')
      .replace(/=+$/, '');

    const response = await fn.handle({ type: 'bindCrmUser', ticket: `${version}.${otherPayload}.${signature}` });

    expect(response.error.code).toBe('TICKET_INVALID');
    expect(fn.fake.docs('crm_user_bindings')).toEqual([]);
  });

  it('a ticket works once: replaying it from another WeChat user is refused', async () => {
    const fn = createTestFunction();
    const ticket = validTicket(fn);
    fn.asMiniProgramUser('openid-zhang');
    await fn.handle({ type: 'bindCrmUser', ticket });
    fn.asMiniProgramUser('openid-thief');

    const replay = await fn.handle({ type: 'bindCrmUser', ticket });

    expect(replay.error.code).toBe('TICKET_USED');
    expect(fn.fake.docs('crm_user_bindings').map((doc) => doc.openid)).toEqual(['openid-zhang']);
    expect(fn.fake.docs('openid_bindings').map((doc) => doc._id)).toEqual(['openid-zhang']);
  });

  it('the same ticket again from the same WeChat user (the first answer was lost) answers as the first time and keeps the binding whole', async () => {
    const fn = createTestFunction();
    const ticket = validTicket(fn);
    fn.asMiniProgramUser('openid-zhang');
    const first = await fn.handle({ type: 'bindCrmUser', ticket });
    fn.clock.advance(5_000);

    const retry = await fn.handle({ type: 'bindCrmUser', ticket });

    expect(first).toEqual({ ok: true, crmUserId: 'crm-user-1', boundAt: '2026-11-25T02:00:00.000Z' });
    expect(retry).toEqual(first);
    expect(fn.fake.docs('crm_user_bindings').map((doc) => [doc._id, doc.openid, doc.boundAt])).toEqual([['crm-user-1', 'openid-zhang', first.boundAt]]);
    // The openid's claim (what keeps a second CRM user off this WeChat user, even at the same instant) is still there.
    expect(fn.fake.docs('openid_bindings').map((doc) => [doc._id, doc.crmUserId])).toEqual([['openid-zhang', 'crm-user-1']]);
  });

  // A bind writes, in order: 1 the openid's claim, 2 the ticket as used, 3 the binding, 4 the ticket's use as complete.
  it.each([1, 2, 3, 4])('stopped at the time limit before write %i: the same ticket from the same phone binds, once', async (killAt) => {
    const fn = createTestFunction();
    const ticket = validTicket(fn);
    const phone = { OPENID: 'openid-zhang', APPID: 'wx-app', SOURCE: 'wx_client' };
    const run = fn.fake.startInvocation(phone);
    let writes = 0;
    fn.fake.onWrite((write) => {
      if (write.invocation === run && ++writes === killAt) run.kill();
    });
    void run.run(() => fn.handle({ type: 'bindCrmUser', ticket }));
    await run.finished();
    fn.fake.onWrite(() => {});
    fn.clock.advance(3_000);

    const retry = await fn.fake.withContext(phone, () => fn.handle({ type: 'bindCrmUser', ticket }));

    expect(retry).toMatchObject({ ok: true, crmUserId: 'crm-user-1' });
    expect(fn.fake.docs('crm_user_bindings').map((doc) => [doc._id, doc.openid, doc.boundAt])).toEqual([['crm-user-1', 'openid-zhang', retry.boundAt]]);
    expect(fn.fake.docs('binding_tickets_used')).toMatchObject([{ openid: 'openid-zhang', crmUserId: 'crm-user-1', completed: true }]);
    expect(await fn.fake.withContext(phone, () => fn.handle({ type: 'bindCrmUser', ticket }))).toEqual(retry);
  });

  it("an old ticket retried after the CRM user bound a new phone is refused and moves nothing back", async () => {
    const fn = createTestFunction();
    const oldTicket = validTicket(fn);
    fn.asMiniProgramUser('openid-old-phone');
    await fn.handle({ type: 'bindCrmUser', ticket: oldTicket });
    fn.clock.advance(1_000);
    fn.asMiniProgramUser('openid-new-phone');
    await fn.handle({ type: 'bindCrmUser', ticket: validTicket(fn) });
    fn.asMiniProgramUser('openid-old-phone');

    expect((await fn.handle({ type: 'bindCrmUser', ticket: oldTicket })).error.code).toBe('TICKET_USED');
    expect(fn.fake.docs('crm_user_bindings').map((doc) => doc.openid)).toEqual(['openid-new-phone']);
    expect(fn.fake.docs('openid_bindings').map((doc) => doc._id)).toEqual(['openid-new-phone']);
  });

  it('a ticket whose binding was removed (unbindCrmUser) does not bind again', async () => {
    const fn = createTestFunction();
    const ticket = validTicket(fn);
    fn.asMiniProgramUser('openid-zhang');
    await fn.handle({ type: 'bindCrmUser', ticket });
    await fn.handle({ type: 'unbindCrmUser' });

    expect((await fn.handle({ type: 'bindCrmUser', ticket })).error.code).toBe('TICKET_USED');
    expect(fn.fake.docs('crm_user_bindings')).toEqual([]);
    expect(fn.fake.docs('openid_bindings')).toEqual([]);
  });

  it('refuses tickets whose lifetime is implausibly long, and malformed tickets', async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-zhang');
    const longLived = bindingTicket({ uid: 'crm-user-1', iat: seconds(fn.clock.now()), exp: seconds(fn.clock.now()) + 86_400 });

    for (const ticket of [longLived, 'not-a-ticket', 'v1..', undefined, 42]) {
      expect((await fn.handle({ type: 'bindCrmUser', ticket })).error.code).toBe('TICKET_INVALID');
    }
  });

  it('needs the caller OPENID: the HTTP API cannot bind', async () => {
    const fn = createTestFunction();
    fn.asHttpApi();

    expect((await fn.handle({ type: 'bindCrmUser', ticket: validTicket(fn) })).error.code).toBe('FORBIDDEN');
  });

  it('without a shared secret configured, binding says what to configure', async () => {
    const fn = createTestFunction({ LEADNOTIFY_SHARED_SECRET: '' });
    fn.asMiniProgramUser('openid-zhang');

    const response = await fn.handle({ type: 'bindCrmUser', ticket: 'v1.a.b' });

    expect(response.error.code).toBe('CONFIG_INVALID');
    expect(response.error.message).toContain('LEADNOTIFY_SHARED_SECRET');
  });
});

describe('recordSubscription', () => {
  it("is a hint only: the client's word adds nothing to the count, an accept lifts a recorded refusal so WeChat is asked again", async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    fn.fake.failSendsWith(43101, 'user refuse to accept the msg', 1);
    fn.asHttpApi();
    expect((await fn.handle(sendEvent(notification()))).result).toMatchObject({ reason: 'NO_SUBSCRIPTION' });
    const sendsBefore = fn.fake.sent.length;

    fn.asMiniProgramUser('openid-zhang');
    const inflated = await Promise.all([true, 'accept', 'acceptWithAlert'].map((accepted) => fn.handle({ type: 'recordSubscription', templateId: TEMPLATE_ID, accepted })));
    expect(inflated.map((answer) => answer.remaining)).toEqual([0, 0, 0]);
    expect(fn.remaining('openid-zhang')).toBe(0);

    fn.asHttpApi();
    expect((await fn.handle(sendEvent(notification()))).result).toMatchObject({ reason: 'SENT' });
    expect(fn.fake.sent.length).toBe(sendsBefore + 1);
  });

  it("a template that is not the function's changes nothing: no refusal lifted, no count, no remaining in the answer", async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 0, { refused: true });
    fn.asMiniProgramUser('openid-zhang');

    const answer = await fn.handle({ type: 'recordSubscription', templateId: 'tmpl-host-app-own', accepted: 'accept' });

    expect(answer).toEqual({ ok: true, templateId: 'tmpl-host-app-own', templates: [{ templateId: TEMPLATE_ID, remaining: 0, refused: true }] });
    expect(fn.fake.docs('subscription_quotas').map((doc) => [doc._id, doc.refused])).toEqual([[`openid-zhang:${TEMPLATE_ID}`, true]]);
    expect(fn.logs).toContain("recordSubscription for templates that are not the lead notice's: ignored");
    fn.asHttpApi();
    expect((await fn.handle(sendEvent(notification()))).result.reason).toBe('NO_SUBSCRIPTION');
  });

  it('refuses a call without OPENID and an invalid event', async () => {
    const fn = createTestFunction();
    fn.asHttpApi();
    expect((await fn.handle({ type: 'recordSubscription', templateId: TEMPLATE_ID, accepted: true })).error.code).toBe('FORBIDDEN');

    fn.asMiniProgramUser('openid-zhang');
    const invalid = await fn.handle({ type: 'recordSubscription', templateId: '', accepted: 'maybe' });
    expect(invalid.error.code).toBe('INVALID_EVENT');
    expect(invalid.error.details).toHaveLength(2);
  });
});

describe('one WeChat user, one CRM user', () => {
  function ticketFor(fn: ReturnType<typeof createTestFunction>, uid: string) {
    return bindingTicket({ uid, iat: seconds(fn.clock.now()), exp: seconds(fn.clock.now()) + 300 });
  }

  it("refuses to bind a WeChat user bound to another CRM user; nothing changes and the ticket stays usable", async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-victor');
    await fn.handle({ type: 'bindCrmUser', ticket: ticketFor(fn, 'crm-victor') });
    const sarahsTicket = ticketFor(fn, 'crm-sarah');

    const refused = await fn.handle({ type: 'bindCrmUser', ticket: sarahsTicket });

    expect(refused).toMatchObject({ ok: false, error: { code: 'OPENID_BOUND_ELSEWHERE' } });
    expect(refused.error.message).not.toContain('openid-victor');
    expect(fn.fake.docs('crm_user_bindings').map((doc) => [doc._id, doc.openid])).toEqual([['crm-victor', 'openid-victor']]);
    fn.asMiniProgramUser('openid-sarah');
    expect(await fn.handle({ type: 'bindCrmUser', ticket: sarahsTicket })).toMatchObject({ ok: true, crmUserId: 'crm-sarah' });
  });

  it("after the refusal, Sarah's leads do not reach Victor's WeChat", async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-victor');
    await fn.handle({ type: 'bindCrmUser', ticket: ticketFor(fn, 'crm-victor') });
    await fn.handle({ type: 'bindCrmUser', ticket: ticketFor(fn, 'crm-sarah') });
    await fn.subscribe('openid-victor', 5);
    fn.asHttpApi();

    const response = await fn.handle(sendEvent(notification({ assigneeId: 'crm-sarah' })));

    expect(response.result.reason).toBe('NOT_BOUND');
    expect(fn.fake.sent).toEqual([]);
  });

  it('two binds of one WeChat user to two CRM users at once: exactly one succeeds', async () => {
    const fn = createTestFunction();
    const caller = { OPENID: 'openid-shared', APPID: 'wx-app', SOURCE: 'wx_client' };
    const bind = (uid: string) => fn.fake.withContext(caller, () => fn.handle({ type: 'bindCrmUser', ticket: ticketFor(fn, uid) }));

    const answers = await Promise.all([bind('crm-a'), bind('crm-b')]);

    expect(answers.filter((answer) => answer.ok === true)).toHaveLength(1);
    expect(answers.filter((answer) => answer.error?.code === 'OPENID_BOUND_ELSEWHERE')).toHaveLength(1);
    expect(fn.fake.docs('crm_user_bindings').filter((doc) => doc.openid === 'openid-shared')).toHaveLength(1);
  });

  it('unbindCrmUser frees the WeChat user: then another CRM user can bind it', async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-phone');
    await fn.handle({ type: 'bindCrmUser', ticket: ticketFor(fn, 'crm-victor') });

    const unbound = await fn.handle({ type: 'unbindCrmUser' });
    const again = await fn.handle({ type: 'unbindCrmUser' });
    const bound = await fn.handle({ type: 'bindCrmUser', ticket: ticketFor(fn, 'crm-sarah') });

    expect(unbound).toEqual({ ok: true, unbound: true });
    expect(again).toEqual({ ok: true, unbound: false });
    expect(bound).toMatchObject({ ok: true, crmUserId: 'crm-sarah' });
    expect(fn.fake.docs('crm_user_bindings').map((doc) => [doc._id, doc.openid])).toEqual([['crm-sarah', 'openid-phone']]);
    fn.asHttpApi();
    expect((await fn.handle({ type: 'unbindCrmUser' })).error.code).toBe('FORBIDDEN');
  });

  it("a CRM user binding from a new phone replaces the old binding, and the old WeChat user is free for someone else", async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-old-phone');
    await fn.handle({ type: 'bindCrmUser', ticket: ticketFor(fn, 'crm-sarah') });
    fn.asMiniProgramUser('openid-new-phone');
    await fn.handle({ type: 'bindCrmUser', ticket: ticketFor(fn, 'crm-sarah') });
    fn.asMiniProgramUser('openid-old-phone');

    const colleague = await fn.handle({ type: 'bindCrmUser', ticket: ticketFor(fn, 'crm-victor') });

    expect(colleague).toMatchObject({ ok: true, crmUserId: 'crm-victor' });
    expect(fn.fake.docs('crm_user_bindings').map((doc) => [doc._id, doc.openid]).sort()).toEqual([
      ['crm-sarah', 'openid-new-phone'],
      ['crm-victor', 'openid-old-phone'],
    ]);
  });

  it('a binding stored before openid claims existed still blocks binding its WeChat user elsewhere', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-victor', 'openid-victor');
    fn.asMiniProgramUser('openid-victor');

    expect((await fn.handle({ type: 'bindCrmUser', ticket: ticketFor(fn, 'crm-sarah') })).error.code).toBe('OPENID_BOUND_ELSEWHERE');
  });
});

describe('applySubscriptionEvents: what WeChat pushed, forwarded by the CRM', () => {
  const change = (key: string, change: 'accept' | 'turn-off', openid = 'openid-zhang') => ({ key, openid, templateId: TEMPLATE_ID, change });

  it('each accepted popup adds one message; turning off sets none; the same change applied twice counts once', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    fn.asHttpApi();

    const accepted = await fn.handle({ type: 'applySubscriptionEvents', changes: [change('push-1:0', 'accept'), change('push-1:1', 'accept'), change('push-1:0', 'accept')] });
    expect(accepted).toEqual({ ok: true, states: [{ openid: 'openid-zhang', templateId: TEMPLATE_ID, remaining: 2, refused: false, crmUserId: 'crm-user-1', version: 2 }] });
    const replayed = await fn.handle({ type: 'applySubscriptionEvents', changes: [change('push-1:1', 'accept')] });
    expect(replayed.states[0].remaining).toBe(2);

    const off = await fn.handle({ type: 'applySubscriptionEvents', changes: [change('push-2:0', 'turn-off')] });
    expect(off.states[0]).toMatchObject({ remaining: 0, refused: true });
    expect((await fn.handle(sendEvent(notification()))).result).toMatchObject({ reason: 'NO_SUBSCRIPTION' });
    expect(fn.fake.sent).toHaveLength(0);
  });

  it("an acceptance pushed while WeChat refuses a send (43101) stays counted: the refusal is older than it", async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    fn.asHttpApi();
    fn.fake.onSend(async () => {
      // The user accepts in WeChat while this send, made without an acceptance, is being refused.
      await fn.handle({ type: 'applySubscriptionEvents', changes: [change('push-9:0', 'accept')] });
      throw wxError(43101, 'user refuse to accept the msg');
    });

    expect((await fn.handle(sendEvent(notification()))).result).toMatchObject({ reason: 'NO_SUBSCRIPTION' });

    expect(fn.remaining('openid-zhang')).toBe(1);
    fn.fake.onSend(async () => {});
    expect((await fn.handle(sendEvent(notification()))).result).toMatchObject({ reason: 'SENT' });
  });

  it("the host mini program's own templates count for nothing: no stock, no turn-off, no state in the answer", async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    fn.asHttpApi();
    const hostTemplate = (key: string, what: 'accept' | 'turn-off') => ({ ...change(key, what), templateId: 'tmpl-host-app-own' });

    const answer = await fn.handle({
      type: 'applySubscriptionEvents',
      changes: [hostTemplate('push-1:0', 'accept'), change('push-1:1', 'accept'), hostTemplate('push-2:0', 'turn-off'), hostTemplate('push-3:0', 'accept')],
    });

    expect(answer).toEqual({ ok: true, states: [{ openid: 'openid-zhang', templateId: TEMPLATE_ID, remaining: 1, refused: false, crmUserId: 'crm-user-1', version: 1 }] });
    expect(fn.fake.docs('subscription_quotas').map((doc) => doc._id)).toEqual([`openid-zhang:${TEMPLATE_ID}`]);
    expect(fn.fake.docs('subscription_events_applied').map((doc) => doc._id)).toEqual(['push-1:1']);
    const onlyHost = await fn.handle({ type: 'applySubscriptionEvents', changes: [hostTemplate('push-4:0', 'turn-off')] });
    expect(onlyHost).toEqual({ ok: true, states: [] });
    expect((await fn.handle(sendEvent(notification()))).result.reason).toBe('SENT');
  });

  it('only the CRM server may apply them', async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-zhang');

    const answer = await fn.handle({ type: 'applySubscriptionEvents', changes: [change('forged', 'accept')] });

    expect(answer.error.code).toBe('FORBIDDEN');
    expect(fn.remaining('openid-zhang')).toBeUndefined();
  });
});

describe('releaseBinding: the CRM unbinds a salesperson who left', () => {
  function ticketFor(fn: ReturnType<typeof createTestFunction>, uid: string) {
    return bindingTicket({ uid, iat: seconds(fn.clock.now()), exp: seconds(fn.clock.now()) + 300 });
  }

  async function boundByTicket(fn: ReturnType<typeof createTestFunction>, uid: string, openid: string) {
    const ticket = ticketFor(fn, uid);
    await fn.fake.withContext({ OPENID: openid, APPID: 'wx-app', SOURCE: 'wx_client' }, () => fn.handle({ type: 'bindCrmUser', ticket }));
    return ticket;
  }

  const bindAs = (fn: ReturnType<typeof createTestFunction>, openid: string, ticket: string) =>
    fn.fake.withContext({ OPENID: openid, APPID: 'wx-app', SOURCE: 'wx_client' }, () => fn.handle({ type: 'bindCrmUser', ticket }));

  it('their deliveries answer NOT_BOUND and their WeChat user may bind a colleague; releasing again answers released: false', async () => {
    const fn = createTestFunction();
    await boundByTicket(fn, 'crm-departed', 'openid-phone');
    await fn.subscribe('openid-phone', 3);
    fn.asHttpApi();

    const released = await fn.handle({ type: 'releaseBinding', crmUserId: 'crm-departed' });
    const again = await fn.handle({ type: 'releaseBinding', crmUserId: 'crm-departed' });
    const delivery = await fn.handle(sendEvent(notification({ assigneeId: 'crm-departed' })));
    const colleague = await bindAs(fn, 'openid-phone', ticketFor(fn, 'crm-colleague'));

    expect(released).toEqual({ ok: true, released: true });
    expect(again).toEqual({ ok: true, released: false });
    expect(delivery.result.reason).toBe('NOT_BOUND');
    expect(fn.fake.sent).toEqual([]);
    expect(colleague).toMatchObject({ ok: true, crmUserId: 'crm-colleague' });
    expect(fn.fake.docs('crm_user_bindings').map((doc) => [doc._id, doc.openid])).toEqual([['crm-colleague', 'openid-phone']]);
  });

  it('releases a binding stored before openid claims existed, and touches no other CRM user', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-departed', 'openid-old');
    await boundByTicket(fn, 'crm-staying', 'openid-staying');
    fn.asHttpApi();

    expect(await fn.handle({ type: 'releaseBinding', crmUserId: 'crm-departed' })).toEqual({ ok: true, released: true });
    expect(fn.fake.docs('crm_user_bindings').map((doc) => doc._id)).toEqual(['crm-staying']);
    expect(fn.fake.docs('openid_bindings').map((doc) => [doc._id, doc.crmUserId])).toEqual([['openid-staying', 'crm-staying']]);
  });

  it("the departed salesperson's old ticket, tried again from their phone, does not bind them again", async () => {
    const fn = createTestFunction();
    const ticket = await boundByTicket(fn, 'crm-departed', 'openid-phone');
    fn.asHttpApi();
    await fn.handle({ type: 'releaseBinding', crmUserId: 'crm-departed' });

    expect((await bindAs(fn, 'openid-phone', ticket)).error.code).toBe('TICKET_USED');
    expect(fn.fake.docs('crm_user_bindings')).toEqual([]);
  });

  it('only the CRM server may release (HTTP API or a signed event); a malformed event is refused', async () => {
    const fn = createTestFunction();
    await boundByTicket(fn, 'crm-victim', 'openid-victim');
    fn.asMiniProgramUser('openid-attacker');
    const fromPhone = await fn.handle({ type: 'releaseBinding', crmUserId: 'crm-victim' });
    fn.fake.setContext({ SOURCE: 'scf' });
    const forged = await fn.handle(signEvent({ type: 'releaseBinding', crmUserId: 'crm-victim' }, 'not-the-shared-secret-0123456789abcdef'));
    fn.asHttpApi();
    const malformed = await fn.handle({ type: 'releaseBinding', crmUserId: '  ' });

    expect(fromPhone).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(forged).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT', details: [{ path: 'event.crmUserId' }] } });
    expect(fn.fake.docs('crm_user_bindings').map((doc) => doc._id)).toEqual(['crm-victim']);
    fn.fake.setContext({ SOURCE: 'scf' });
    expect(await fn.handle(signEvent({ type: 'releaseBinding', crmUserId: 'crm-victim' }))).toEqual({ ok: true, released: true });
  });

  // A release writes, in order: 1 the binding removed, 2 the CRM user's openid claims removed.
  it.each([1, 2, 'answer'] as const)('stopped before write %s: released as far as it got, and the next release finishes it', async (killAt) => {
    const fn = createTestFunction();
    await boundByTicket(fn, 'crm-departed', 'openid-phone');
    const run = fn.fake.startInvocation({ SOURCE: 'wx_http' });
    let writes = 0;
    fn.fake.onWrite((write) => {
      if (write.invocation === run && ++writes === killAt) run.kill();
    });
    void run.run(() => fn.handle({ type: 'releaseBinding', crmUserId: 'crm-departed' }));
    await run.finished();
    fn.fake.onWrite(() => {});
    fn.asHttpApi();

    // From the first write on, nothing reaches the departed salesperson's WeChat.
    expect(fn.fake.docs('crm_user_bindings')).toHaveLength(killAt === 1 ? 1 : 0);
    const next = await fn.handle({ type: 'releaseBinding', crmUserId: 'crm-departed' });

    expect(next).toEqual({ ok: true, released: killAt !== 'answer' });
    expect((await fn.handle(sendEvent(notification({ assigneeId: 'crm-departed' })))).result.reason).toBe('NOT_BOUND');
    expect(fn.fake.docs('crm_user_bindings')).toEqual([]);
    expect(fn.fake.docs('openid_bindings')).toEqual([]);
    expect(await bindAs(fn, 'openid-phone', ticketFor(fn, 'crm-colleague'))).toMatchObject({ ok: true, crmUserId: 'crm-colleague' });
  });

  it('stopped after removing the binding only, the claim left behind stops blocking its WeChat user once stale', async () => {
    const fn = createTestFunction();
    await boundByTicket(fn, 'crm-departed', 'openid-phone');
    const run = fn.fake.startInvocation({ SOURCE: 'wx_http' });
    let writes = 0;
    fn.fake.onWrite((write) => {
      if (write.invocation === run && ++writes === 2) run.kill();
    });
    void run.run(() => fn.handle({ type: 'releaseBinding', crmUserId: 'crm-departed' }));
    await run.finished();
    fn.fake.onWrite(() => {});
    fn.clock.advance(fn.config.staleRecordMs + 1);

    expect(fn.fake.docs('openid_bindings').map((doc) => doc.crmUserId)).toEqual(['crm-departed']);
    expect(await bindAs(fn, 'openid-phone', ticketFor(fn, 'crm-colleague'))).toMatchObject({ ok: true, crmUserId: 'crm-colleague' });
  });
});
