import { afterEach, describe, expect, it } from 'vitest';
import { claimMessages } from '../src/delivery/claim-messages.js';
import { createMetrics } from '../src/metrics/metrics.js';
import { startFakeWechat, type FakeWechat, type InvokedEvent } from './helpers/fake-wechat.js';
import { createTestApp, wechatEnv, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';
import { waitFor } from '@leadnotify/test-support';
import { signedPush, subscribeEvent } from './helpers/wechat-push.js';

/**
 * What a soak under chaos found the CRM saying that was not true — "sent, confirmed" for a lead that never arrived, a
 * row withdrawn although its message went out, a salesperson told about a customer already someone else's — and what
 * let it lose a push or keep a departed salesperson informed. Each case is a rule of delivery/states; here it is held
 * end to end, through the API and the notifier, against a fake cloud function.
 */
const PUSH_TOKEN = 'push-token-for-tests';
const TEMPLATE = 'lead-template';

describe.each(testEngines())('delivery truth on %s', (engine) => {
  let wechat: FakeWechat;
  let t: TestApp;
  let manager: TestUser;
  let sales: TestUser;
  afterEach(async () => {
    await t.close();
    await wechat.stop();
  });

  async function setup(env: Record<string, string> = {}) {
    wechat = await startFakeWechat();
    t = await createTestApp(engine, { ...wechatEnv(wechat.baseUrl), WECHAT_PUSH_TOKEN: PUSH_TOKEN, ...env });
    manager = await t.user('manager', '王经理');
    sales = await t.user('sales', '张三');
  }
  const row = (id: string) => t.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const assign = async (customerId: string, assigneeId: string) =>
    (await t.as(manager).post(`/api/customers/${customerId}/assign`, { assigneeId })).body.notification.id as string;
  async function drain() {
    const notifier = t.notifier();
    while ((await notifier.runOnce()) > 0);
  }
  /** A push as WeChat signs it at the app's time, answered, then applied by the app's inbox. */
  async function push(event: Record<string, unknown>) {
    const pushed = signedPush(event, { token: PUSH_TOKEN, appId: t.ctx.config.MINIPROGRAM_APPID as string }, { timestamp: String(Math.floor(t.clock.now() / 1000)) });
    const answer = await t.http().post('/wechat/push').query(pushed.query).set('content-type', 'application/json').send(JSON.stringify(pushed.body));
    await t.ctx.pushInbox?.idle();
    return answer;
  }
  const receipt = (openid: string, fields: Record<string, unknown>) => ({ ...subscribeEvent(openid, 'subscribe_msg_sent_event', fields), CreateTime: Math.floor(t.clock.now() / 1000) });
  const sendsOf = (event: InvokedEvent) => (event.type === 'sendBatchCustomerAssignNotification' ? (event.deliveries ?? []) : [event]);

  it('a receipt goes to the send WeChat answered, not to an earlier send stopped at 3 s whose fate is unknown', async () => {
    await setup();
    const [first, second] = await t.customers(2);
    wechat.setFunction((event) => ({ ok: true, result: { deliveryId: event.deliveryId, reason: 'SEND_INTERRUPTED', openid: 'o-zhang', templateId: TEMPLATE } }));
    const killed = await assign(first!.id, sales.id);
    await drain();
    t.clock.advance(5_000);
    wechat.setFunction((event) => ({ ok: true, result: { deliveryId: event.deliveryId, reason: 'SENT', openid: 'o-zhang', templateId: TEMPLATE, sentAt: new Date(t.clock.now()).toISOString() } }));
    const answered = await assign(second!.id, sales.id);
    await drain();
    t.clock.advance(1_000);

    expect((await push(receipt('o-zhang', { TemplateId: TEMPLATE, MsgID: '3000000000000000001', ErrorCode: '0', ErrorStatus: 'success' }))).status).toBe(200);

    expect(await row(answered)).toMatchObject({ status: 'sent', confirmed_at: expect.any(String) });
    expect(await row(killed)).toMatchObject({ status: 'unconfirmed', confirmed_at: null });
  });

  it('a receipt for a send whose worker died mid-call is paired by when the message was first taken, not by the attempts recorded after', async () => {
    await setup({ NOTIFY_LEASE_SECONDS: '30' });
    const [customer] = await t.customers(1);
    const id = await assign(customer!.id, sales.id);
    await claimMessages(t.delivery, 'crashed'); // its send reached WeChat; the worker died before recording anything
    t.clock.advance(1_000);
    await push(receipt('o-zhang', { TemplateId: TEMPLATE, MsgID: '3000000000000000009', ErrorCode: '0', ErrorStatus: 'success' }));
    t.clock.advance(30_000);
    wechat.setFunction((event) => ({ ok: true, result: { deliveryId: event.deliveryId, reason: 'ALREADY_SENT', openid: 'o-zhang', templateId: TEMPLATE, sentAt: new Date(t.clock.now()).toISOString() } }));

    await drain(); // another worker takes it over once the lease ran out: the function says it went out

    expect(await row(id)).toMatchObject({ status: 'sent', confirmed_at: expect.any(String) });
  });

  it("a receipt of the host mini program's own template settles none of ours", async () => {
    await setup();
    const [customer] = await t.customers(1);
    wechat.setFunction((event) => ({ ok: true, result: { deliveryId: event.deliveryId, reason: 'SENT', openid: 'o-zhang', templateId: TEMPLATE, sentAt: new Date(t.clock.now()).toISOString() } }));
    const id = await assign(customer!.id, sales.id);
    await drain();
    t.clock.advance(1_000);

    await push(receipt('o-zhang', { TemplateId: 'host-order-shipped', MsgID: '3000000000000000002', ErrorCode: '10001', ErrorStatus: 'failed' }));

    expect(await row(id)).toMatchObject({ status: 'sent', confirmed_at: null, reason: 'SENT' });
  });

  it('an attempt whose answer was lost after the function sent it: when the customer then moves, the function is asked, and the row is sent, not withdrawn', async () => {
    await setup();
    const other = await t.user('sales', '李四');
    const [customer] = await t.customers(1);
    const first = await assign(customer!.id, sales.id);
    wechat.queueFault({ kind: 'http', status: 500, afterRun: true });
    await drain(); // the function sent it; the CRM heard HTTP 500
    await assign(customer!.id, other.id);
    t.clock.advance(60_000);

    await drain();

    expect(await row(first)).toMatchObject({ status: 'sent', reason: 'ALREADY_SENT' });
    expect(wechat.invocations.flatMap(sendsOf).filter((event) => event.assigneeId === sales.id)).toHaveLength(1);
  });

  it('the rest of a digest whose other part was withdrawn keeps its delivery id: after a lost answer it is recognised, not sent again under a new one', async () => {
    await setup({ NOTIFY_DIGEST_SECONDS: '60' });
    const other = await t.user('sales', '李四');
    const [staying, moving] = await t.customers(2);
    const stayingRow = await assign(staying!.id, sales.id);
    await assign(moving!.id, sales.id);
    t.clock.advance(61_000);
    wechat.queueFault({ kind: 'errcode', errcode: 45011, errmsg: 'api minute-quota reach limit' }); // refused before the function ran
    await drain();
    await assign(moving!.id, other.id); // part of the digest moves away: withdrawn at the next send
    t.clock.advance(60_000);
    wechat.queueFault({ kind: 'http', status: 500, afterRun: true }); // the rest goes out, and the answer is lost
    await drain();
    t.clock.advance(60_000);

    await drain();

    const stayed = await row(stayingRow);
    expect(stayed).toMatchObject({ status: 'sent', reason: 'ALREADY_SENT' });
    // (The first call, refused, never reached the function.) The rest went out under the digest's id, and was asked
    // for again under it: one message.
    expect(wechat.invocations.flatMap(sendsOf).filter((event) => event.assigneeId === sales.id).map((event) => event.deliveryId)).toEqual(Array(2).fill(stayed.delivery_id));
  });

  it('a row nobody is to hear about is withdrawn before the function is called: a crash during the call cannot leave it in a message that went out without it', async () => {
    await setup({ NOTIFY_DIGEST_SECONDS: '60' });
    const other = await t.user('sales', '李四');
    const [staying, moving] = await t.customers(2);
    await assign(staying!.id, sales.id);
    const movingRow = await assign(moving!.id, sales.id);
    await assign(moving!.id, other.id);
    t.clock.advance(61_000);
    const seenDuringTheCall: string[] = [];
    wechat.setFunction(async (event) => {
      if (sendsOf(event).some((send) => send.assigneeId === sales.id)) seenDuringTheCall.push((await row(movingRow)).status);
      const sent = (send: Record<string, unknown>) => ({ deliveryId: send.deliveryId, reason: 'SENT', sentAt: new Date().toISOString() });
      return event.type === 'sendBatchCustomerAssignNotification' ? { ok: true, results: sendsOf(event).map(sent) } : { ok: true, result: sent(event) };
    });

    await drain();

    expect(seenDuringTheCall).toEqual(['withdrawn']);
    expect(await row(movingRow)).toMatchObject({ status: 'withdrawn', reason: 'NO_LONGER_ASSIGNED' });
  });

  it('a customer reassigned while the previous batch was on its way is checked when its own message goes, not when it was claimed', async () => {
    await setup({ NOTIFY_CONCURRENCY: '1', NOTIFY_BATCH_SIZE: '1' });
    const other = await t.user('sales', '李四');
    const [slow, moving] = await t.customers(2);
    await assign(slow!.id, sales.id);
    t.clock.advance(1_000); // due after the first: claimed second
    const movingRow = await assign(moving!.id, sales.id);
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    let calls = 0;
    wechat.setFunction(async (event) => {
      if (++calls === 1) await firstHeld; // the first invocation is on its way while the next batch is claimed
      return { ok: true, result: { deliveryId: event.deliveryId, reason: 'SENT', sentAt: new Date().toISOString() } };
    });
    const notifier = t.notifier();
    notifier.start();
    try {
      await waitFor(() => row(movingRow), (r) => r.status === 'sending', { what: 'the second message claimed while the first is in flight' });
      await assign(moving!.id, other.id);
      releaseFirst();
      await waitFor(() => row(movingRow), (r) => r.status !== 'sending' && r.status !== 'pending', { what: 'the second message decided' });
    } finally {
      releaseFirst();
      await notifier.stop();
    }

    expect(await row(movingRow)).toMatchObject({ status: 'withdrawn', reason: 'NO_LONGER_ASSIGNED' });
    const toFirst = wechat.invocations.flatMap(sendsOf).filter((event) => event.assigneeId === sales.id);
    expect(toFirst.flatMap((event) => (event.customers as Array<{ id: string }>).map((customer) => customer.id))).toEqual([slow!.id]);
  });

  it('a customer reassigned during the send itself is counted as sent after reassignment, and one moved back before the answer is not', async () => {
    await setup();
    const other = await t.user('sales', '李四');
    const [moved, movedBack, stays] = await t.customers(3);
    await t.as(manager).post('/api/customers/batch-assign', { customerIds: [moved!.id, movedBack!.id, stays!.id], assigneeId: sales.id });
    wechat.setFunction(async (event) => {
      await assign(moved!.id, other.id); // committed while WeChat has the message: the race no check can close
      await assign(movedBack!.id, other.id);
      await assign(movedBack!.id, sales.id);
      return { ok: true, result: { deliveryId: event.deliveryId, reason: 'SENT', openid: 'o-zhang', templateId: TEMPLATE, sentAt: new Date(t.clock.now()).toISOString() } };
    });
    const metrics = createMetrics();
    const notifier = t.notifier({ metrics });
    await notifier.runOnce();
    wechat.resetFunction();

    const counted = (await metrics.registry.getSingleMetric('leadnotify_sent_after_reassignment_total')?.get())?.values[0]?.value;
    expect(counted).toBe(1);
  });

  it('a deactivated salesperson hears about no lead: a pending one is withdrawn unsent, and an acceptance catches nothing up', async () => {
    await setup();
    const admin = await t.user('admin', '管理员');
    const [pending, skipped] = await t.customers(2);
    wechat.setFunction((event) => ({ ok: true, result: { deliveryId: event.deliveryId, reason: 'NO_SUBSCRIPTION' } }));
    const skippedRow = await assign(skipped!.id, sales.id);
    await drain();
    wechat.resetFunction();
    const pendingRow = await assign(pending!.id, sales.id);
    expect((await t.as(admin).post(`/api/users/${sales.id}/deactivate`)).status).toBe(200);

    await drain();
    wechat.setFunction((event) => {
      if (event.type !== 'applySubscriptionEvents') throw new Error(`unexpected ${event.type}`);
      return { ok: true, states: [{ openid: 'o-zhang', templateId: TEMPLATE, remaining: 1, refused: false, crmUserId: sales.id, version: 2 }] };
    });
    await push({ ...subscribeEvent('o-zhang', 'subscribe_msg_popup_event', { TemplateId: TEMPLATE, SubscribeStatusString: 'accept', PopupScene: '0' }), CreateTime: Math.floor(t.clock.now() / 1000) });
    wechat.resetFunction();
    await drain();

    expect(await row(pendingRow)).toMatchObject({ status: 'withdrawn', reason: 'ASSIGNEE_INACTIVE' });
    expect(await row(skippedRow)).toMatchObject({ status: 'skipped' });
    // The one attempt that was refused (no subscription) before they left; nothing after.
    expect(wechat.invocations.flatMap(sendsOf).filter((event) => event.assigneeId === sales.id)).toHaveLength(1);
  });

  it('an acceptance whose forwarding to the function fails is answered success at once and applied later: WeChat never sees a 500', async () => {
    await setup({ NOTIFY_POLL_MS: '20' });
    wechat.queueFault({ kind: 'http', status: 502 });
    wechat.setFunction(() => ({ ok: true, states: [{ openid: 'o-zhang', templateId: TEMPLATE, remaining: 1, refused: false, crmUserId: sales.id, version: 1 }] }));

    const answer = await push({ ...subscribeEvent('o-zhang', 'subscribe_msg_popup_event', { TemplateId: TEMPLATE, SubscribeStatusString: 'accept', PopupScene: '0' }), CreateTime: Math.floor(t.clock.now() / 1000) });
    expect({ status: answer.status, text: answer.text }).toEqual({ status: 200, text: 'success' });
    expect(await t.db.selectFrom('wechat_subscriptions').selectAll().execute()).toEqual([]);

    t.clock.advance(60_000); // past the inbox's backoff
    t.ctx.pushInbox!.start();
    const mirrored = await waitFor(() => t.db.selectFrom('wechat_subscriptions').selectAll().execute(), (rows) => rows.length === 1, { what: 'the push applied on its retry' });
    expect(mirrored[0]).toMatchObject({ crm_user_id: sales.id, remaining: 1 });
  });

  it.runIf(engine === 'postgres')('twenty copies of one push arriving at once are stored and applied once', async () => {
    await setup();
    wechat.setFunction(() => ({ ok: true, states: [{ openid: 'o-zhang', templateId: TEMPLATE, remaining: 1, refused: false, crmUserId: sales.id, version: 1 }] }));
    const pushed = signedPush(
      { ...subscribeEvent('o-zhang', 'subscribe_msg_popup_event', { TemplateId: TEMPLATE, SubscribeStatusString: 'accept', PopupScene: '0' }), CreateTime: Math.floor(t.clock.now() / 1000) },
      { token: PUSH_TOKEN, appId: t.ctx.config.MINIPROGRAM_APPID as string },
      { timestamp: String(Math.floor(t.clock.now() / 1000)) },
    );
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => t.http().post('/wechat/push').query(pushed.query).set('content-type', 'application/json').send(JSON.stringify(pushed.body))),
    );
    await t.ctx.pushInbox?.idle();

    // Each copy is answered as the first (WeChat would count a refusal as a failed try), and changes nothing.
    expect(answers.map((answer) => answer.status)).toEqual(Array<number>(20).fill(200));
    expect(wechat.invocations.filter((event) => event.type === 'applySubscriptionEvents')).toHaveLength(1);
  });
});
