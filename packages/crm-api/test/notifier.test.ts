import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from '../src/delivery/channels/channel.js';
import { claimMessages } from '../src/delivery/claim-messages.js';
import { createNotifier } from '../src/delivery/notifier.js';
import { resendUnreceipted } from '../src/delivery/resend-unreceipted.js';
import { startFakeWechat, functionAnswering, type FakeWechat } from './helpers/fake-wechat.js';
import { createTestApp, wechatEnv, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';
import { waitFor } from '@leadnotify/test-support';

describe.each(testEngines())('notifier on %s', (engine) => {
  let wechat: FakeWechat;
  let t: TestApp;
  let manager: TestUser;
  let sales: TestUser;

  async function setup(env: Record<string, string> = {}) {
    t = await createTestApp(engine, { ...wechatEnv(wechat.baseUrl), NOTIFY_BACKOFF_BASE_MS: '1000', ...env });
    manager = await t.user('manager', '王经理');
    sales = await t.user('sales', '张三');
  }

  async function row(id: string) {
    return t.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  async function drain(notifier = t.notifier()) {
    let total = 0;
    for (let handled = await notifier.runOnce(); handled > 0; handled = await notifier.runOnce()) total += handled;
    return total;
  }

  beforeEach(async () => {
    wechat = await startFakeWechat();
  });
  afterEach(async () => {
    await t.close();
    await wechat.stop();
  });

  it('delivers assignments made via each of the four operations to the cloud function and records sent', async () => {
    await setup();
    const [a, b, c, d] = await t.customers(4);
    const responses = [
      await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id, note: '尽快联系' }),
      await t.as(manager).post(`/api/miniprogram/customers/${b!.id}/assign`, { assigneeId: sales.id }),
      await t.as(manager).post('/api/customers/batch-assign', { customerIds: [c!.id], assigneeId: sales.id }),
      await t.as(manager).post(`/api/pool/customers/${d!.id}/assign`, { assigneeId: sales.id }),
    ];
    const ids = [
      responses[0]!.body.notification.id,
      responses[1]!.body.data.notification.id,
      responses[2]!.body.notifications[0].id,
      responses[3]!.body.notification.id,
    ];

    expect(await drain()).toBe(4);

    const byId = new Map(wechat.sentEvents().map((e) => [e.deliveryId, e]));
    expect(ids.map((id) => byId.get(id)?.via)).toEqual(['web', 'miniprogram', 'batch', 'pool']);
    expect(byId.get(ids[0])).toMatchObject({
      assigneeId: sales.id,
      customers: [{ id: a!.id, name: a!.name }],
      customerCount: 1,
      actor: { id: manager.id, name: '王经理' },
      note: '尽快联系',
      assignedAt: expect.any(String),
    });
    expect(byId.get(ids[3])?.actor).toMatchObject({ id: manager.id, name: '王经理' });
    for (const id of ids) {
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1, reason: 'SENT', delivery_id: id, lease_owner: null });
    }
    const shown = await t.as(manager).get(`/api/notifications/${ids[0]}`);
    expect(shown.body).toMatchObject({ status: 'sent', sentAt: expect.any(String), attemptHistory: [{ attempt: 1, outcome: 'sent', reason: 'SENT' }] });
  });

  it('sends several claimed notifications in one batch invocation: 300 customers to 3 users → 3 notifications, 1 call', async () => {
    await setup();
    const users = [sales, await t.user('sales'), await t.user('sales')];
    const customers = await t.customers(300);
    for (const [index, user] of users.entries()) {
      const part = customers.slice(index * 100, index * 100 + 100).map((c) => c.id);
      expect((await t.as(manager).post('/api/customers/batch-assign', { customerIds: part, assigneeId: user.id })).status).toBe(200);
    }

    await drain();

    expect(wechat.invocations).toHaveLength(1);
    expect(wechat.invocations[0]?.type).toBe('sendBatchCustomerAssignNotification');
    const events = wechat.sentEvents();
    expect(events.map((e) => e.assigneeId).sort()).toEqual(users.map((u) => u.id).sort());
    expect(events.every((e) => e.customerCount === 100 && (e.customers as unknown[]).length === 20)).toBe(true);
  });

  it('with a digest window, five single assignments to one user become one message listing five customers', async () => {
    await setup({ NOTIFY_DIGEST_SECONDS: '60' });
    const customers = await t.customers(5);
    const ids: string[] = [];
    for (const customer of customers) {
      ids.push((await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id);
      t.clock.advance(10_000);
    }

    expect(await drain()).toBe(0);
    t.clock.advance(15_000);
    expect(await drain()).toBe(1);

    const events = wechat.sentEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ deliveryId: ids[0], customerCount: 5 });
    expect((events[0]?.customers as Array<{ id: string }>).map((c) => c.id)).toEqual(customers.map((c) => c.id));
    for (const id of ids) expect(await row(id)).toMatchObject({ status: 'sent', delivery_id: ids[0] });
  });

  it("a salesperson reads one message's notifications by its delivery id: every row of a digest, and nobody else's", async () => {
    await setup({ NOTIFY_DIGEST_SECONDS: '60' });
    const customers = await t.customers(3);
    const ids: string[] = [];
    for (const customer of customers) {
      ids.push((await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id);
      t.clock.advance(10_000);
    }
    t.clock.advance(61_000);
    expect(await drain()).toBe(1);
    const byDelivery = (id: string, who: TestUser) => t.as(who).get(`/api/notifications?deliveryId=${encodeURIComponent(id)}`);

    const digest = await byDelivery(ids[0]!, sales);

    expect(digest.status).toBe(200);
    expect(digest.body.items.map((n: { id: string }) => n.id).sort()).toEqual([...ids].sort());
    expect(digest.body.items.every((n: { deliveryId: string }) => n.deliveryId === ids[0])).toBe(true);
    expect(digest.body.items.flatMap((n: { customers: Array<{ id: string }> }) => n.customers.map((c) => c.id)).sort()).toEqual(customers.map((c) => c.id).sort());
    // The second row's own id is no delivery's id; another salesperson sees none of it; a manager sees it all.
    expect((await byDelivery(ids[1]!, sales)).body.items).toEqual([]);
    expect((await byDelivery(ids[0]!, await t.user('sales'))).body.items).toEqual([]);
    expect((await byDelivery(ids[0]!, manager)).body.items).toHaveLength(3);
  });

  it('when a worker dies while delivering a digest, another worker delivers it under the same id: none lost, one message', async () => {
    await setup({ NOTIFY_DIGEST_SECONDS: '60', NOTIFY_LEASE_SECONDS: '30' });
    const customers = await t.customers(3);
    const ids = [];
    for (const customer of customers) ids.push((await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id);
    t.clock.advance(61_000);
    const claimed = await claimMessages(t.delivery, 'crashed');
    expect(claimed).toHaveLength(1);
    const survivor = t.notifier({ workerId: 'survivor' });

    expect(await survivor.runOnce()).toBe(0);
    t.clock.advance(31_000);
    expect(await survivor.runOnce()).toBe(1);

    const events = wechat.sentEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ deliveryId: claimed[0]!.message.deliveryId, customerCount: 3 });
    for (const id of ids) expect((await row(id)).status).toBe('sent');
  });

  it('without a digest window each notification is its own message', async () => {
    await setup();
    for (const customer of await t.customers(3)) await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id });

    await drain();

    expect(wechat.sentEvents()).toHaveLength(3);
  });

  it('retries transient errors with backoff, then sends; every attempt is kept', async () => {
    await setup();
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    wechat.queueFault({ kind: 'errcode', errcode: -1, errmsg: 'system error' });
    wechat.queueFault({ kind: 'http', status: 502 });

    await drain();
    const afterFirst = await row(id);
    expect(afterFirst).toMatchObject({ status: 'pending', attempts: 1, reason: 'SYSTEM_BUSY' });
    expect(Date.parse(afterFirst.next_attempt_at) - t.clock.now()).toBe(1000);

    expect(await drain()).toBe(0);
    t.clock.advance(1000);
    await drain();
    expect((await row(id)).attempts).toBe(2);
    t.clock.advance(2000);
    await drain();

    const shown = await t.as(manager).get(`/api/notifications/${id}`);
    expect(shown.body.status).toBe('sent');
    expect(shown.body.attemptHistory.map((a: { outcome: string; reason: string }) => [a.outcome, a.reason])).toEqual([
      ['retry', 'SYSTEM_BUSY'],
      ['retry', 'HTTP_STATUS'],
      ['sent', 'SENT'],
    ]);
  });

  it('a function result that is retryable goes back to pending; a permanent one fails and is not retried', async () => {
    await setup();
    const [a, b] = await t.customers(2);
    wechat.setFunction(functionAnswering({ reason: 'TEMPLATE_DATA_INVALID', errCode: 47003, message: 'thing1 invalid' }));
    const failedId = (await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    await drain();
    wechat.setFunction(functionAnswering({ reason: 'RATE_LIMITED', errCode: 45011 }));
    const retryId = (await t.as(manager).post(`/api/customers/${b!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    await drain();

    expect(await row(failedId)).toMatchObject({ reason: 'TEMPLATE_DATA_INVALID', last_error: 'TEMPLATE_DATA_INVALID: thing1 invalid' });
    expect((await row(retryId)).status).toBe('pending');
    t.clock.advance(3_600_000);
    const callsBefore = wechat.invocations.length;
    await drain();
    expect(wechat.invocations.length).toBe(callsBefore + 1);
    expect(wechat.sentEvents().at(-1)?.deliveryId).toBe(retryId);
  });

  it('records skipped notifications with the function reason', async () => {
    await setup();
    wechat.setFunction(functionAnswering({ reason: 'NOT_BOUND', message: 'not bound' }));
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;

    await drain();

    expect(await row(id)).toMatchObject({ reason: 'NOT_BOUND' });
  });

  it('a malformed function answer (a result that is not an object) is recorded as a retry, not left leased', async () => {
    await setup();
    wechat.setFunction(() => ({ ok: true, results: [null, 'junk'] }));
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;

    await drain();

    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1, reason: 'BAD_RESULT', lease_owner: null });
  });

  it('a send that fails unexpectedly is logged, leaves its rows leased for a later retry, and the loop carries on', async () => {
    await setup({ NOTIFY_POLL_MS: '50' });
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    // A channel that breaks: nothing the notifier expects to handle.
    const broken: Channel = { name: 'broken', send: async () => { throw new Error('answer unreadable'); }, recall: async () => new Map() };
    const notifier = createNotifier({ db: t.ctx.db, channel: broken, config: t.ctx.config, clock: t.clock, logger: t.ctx.logger, random: () => 1 });

    notifier.start();
    try {
      const failures = await waitFor(() => t.logLines.filter((line) => line.includes('sending a batch failed unexpectedly')), (lines) => lines.length > 0, { timeoutMs: 3000 });
      expect(failures).toHaveLength(1);
      expect(await row(id)).toMatchObject({ status: 'sending', attempts: 0, lease_owner: notifier.workerId });
    } finally {
      await notifier.stop();
    }
    expect(await row(id)).toMatchObject({ status: 'pending', lease_owner: null });
  });

  it('a permanent WeChat error (no open-API permission) fails the notification with the fix in the error', async () => {
    await setup();
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    wechat.queueFault({ kind: 'errcode', errcode: -604101, errmsg: 'no permission' });

    await drain();

    const failed = await row(id);
    expect(failed).toMatchObject({ reason: 'OPENAPI_PERMISSION_DENIED' });
    expect(failed.last_error).toContain('config.json');
  });

  it('gives up after the configured attempts: dead, with the last error', async () => {
    await setup({ NOTIFY_MAX_ATTEMPTS: '2' });
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    wechat.queueFault({ kind: 'errcode', errcode: -1, errmsg: 'system error' }, 2);

    await drain();
    t.clock.advance(60_000);
    await drain();

    expect(await row(id)).toMatchObject({ status: 'dead', attempts: 2, reason: 'SYSTEM_BUSY' });
  });

  it("a digest's first notification past its age budget keeps retrying with the rest: one message, one state", async () => {
    await setup({ NOTIFY_DIGEST_SECONDS: '60', NOTIFY_MAX_AGE_HOURS: '1' });
    const [a, b] = await t.customers(2);
    const first = (await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    t.clock.advance(50_000);
    const second = (await t.as(manager).post(`/api/customers/${b!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    t.clock.advance(11_000);
    wechat.queueFault({ kind: 'errcode', errcode: -1, errmsg: 'system error' });
    await drain();
    t.clock.advance(3_549_000); // the first is now just over an hour old, the second not yet
    wechat.queueFault({ kind: 'errcode', errcode: -1, errmsg: 'system error' });

    await drain();
    expect([(await row(first)).status, (await row(second)).status]).toEqual(['pending', 'pending']);
    t.clock.advance(30_000);
    await drain();

    expect(wechat.sentEvents().map((event) => event.customerCount)).toEqual([2]);
    expect([(await row(first)).status, (await row(second)).status]).toEqual(['sent', 'sent']);
  });

  it('a notification retried after the rest of its message went out without it goes out under a new delivery id', async () => {
    await setup({ NOTIFY_DIGEST_SECONDS: '60' });
    const [a, b] = await t.customers(2);
    const first = (await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    const second = (await t.as(manager).post(`/api/customers/${b!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    t.clock.advance(61_000);
    await drain();
    const deliveryId = (await row(second)).delivery_id;
    expect(await row(first)).toMatchObject({ status: 'sent', delivery_id: deliveryId });
    // As data from before a message's rows moved together can be: the first gave up, the second went out without it.
    await t.db.updateTable('notifications').set({ status: 'dead' }).where('id', '=', first).execute();
    // Retrying the sent one is refused, and does not requeue its dead companion either.
    expect((await t.as(manager).post(`/api/notifications/${second}/retry`, {})).status).toBe(409);
    expect((await row(first)).status).toBe('dead');

    expect((await t.as(manager).post(`/api/notifications/${first}/retry`, {})).status).toBe(200);
    await drain();

    const resent = wechat.sentEvents().at(-1)!;
    expect(resent.deliveryId).not.toBe(deliveryId);
    expect(resent.customers).toEqual([expect.objectContaining({ id: a!.id })]);
    expect(await row(first)).toMatchObject({ status: 'sent', delivery_id: resent.deliveryId });
  });

  it.runIf(engine === 'postgres')('a message whose other rows another worker is claiming is left for the next claim, not sent in part', async () => {
    await setup({ NOTIFY_DIGEST_SECONDS: '60' });
    const [a, b] = await t.customers(2);
    await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id });
    const second = (await t.as(manager).post(`/api/customers/${b!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    t.clock.advance(61_000);
    wechat.queueFault({ kind: 'errcode', errcode: -1, errmsg: 'system error' });
    await drain();
    t.clock.advance(60_000);

    // Another worker's claim transaction holds one row of the message.
    let release!: () => void;
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const other = t.db.transaction().execute(async (trx) => {
      await trx.selectFrom('notifications').select('id').where('id', '=', second).forUpdate().execute();
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await holding;
    const claimed = await claimMessages(t.delivery, 'worker-b');
    release();
    await other;

    expect(claimed).toEqual([]);
    await drain();
    expect(wechat.sentEvents().map((event) => event.customerCount)).toEqual([2]);
  });

  it.each([
    ['refused before the function ran (-501004: too many calls)', -501004, false],
    ['that may have run the function (-1: system error)', -1, true],
  ])('a customer assigned to someone else before its message went out, after an attempt %s: withdrawn, nothing sent to the first; the new owner hears', async (_case, errcode, asked) => {
    await setup();
    const other = await t.user('sales', '李四');
    const customer = await t.customer();
    const first = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    wechat.queueFault({ kind: 'errcode', errcode, errmsg: 'emulated' });
    await drain(); // the first assignee's message waits for its retry
    const second = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: other.id })).body.notification.id;
    t.clock.advance(60_000);

    await drain();

    expect(await row(first)).toMatchObject({ status: 'withdrawn', reason: 'NO_LONGER_ASSIGNED' });
    expect(await row(second)).toMatchObject({ status: 'sent' });
    expect(wechat.sentEvents().map((event) => event.assigneeId)).toEqual([other.id]);
    // Withdrawn on the CRM's word only when the function certainly never had it; otherwise the function was asked.
    expect(wechat.recalledIds()).toEqual(asked ? [first] : []);
    expect((await t.as(manager).post(`/api/notifications/${first}/retry`, {})).status).toBe(409);
  });

  it('a digest names only the customers that are still the assignee\'s; a row whose customer moved is withdrawn', async () => {
    await setup({ NOTIFY_DIGEST_SECONDS: '60' });
    const other = await t.user('sales', '李四');
    const [a, b] = await t.customers(2);
    const kept = (await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    const moved = (await t.as(manager).post(`/api/customers/${b!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    await t.as(manager).post(`/api/customers/${b!.id}/assign`, { assigneeId: other.id });
    t.clock.advance(61_000);

    await drain();

    const toSales = wechat.sentEvents().filter((event) => event.assigneeId === sales.id);
    expect(toSales.map((event) => [event.customerCount, (event.customers as Array<{ id: string }>).map((customer) => customer.id)])).toEqual([[1, [a!.id]]]);
    expect([(await row(kept)).status, (await row(moved)).status]).toEqual(['sent', 'withdrawn']);
  });

  it('a daily-quota error waits until the next day instead of retrying in a loop', async () => {
    await setup();
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    wechat.queueFault({ kind: 'errcode', errcode: 45009, errmsg: 'reach max api daily quota limit' });

    await drain();

    const waiting = await row(id);
    expect(waiting.status).toBe('pending');
    expect(waiting.next_attempt_at).toBe('2026-11-25T16:00:00.000Z');
  });

  it('when the token is rejected mid-run (40001), refreshes it and sends', async () => {
    await setup();
    const [a, b] = await t.customers(2);
    await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id });
    await drain();
    wechat.expireTokens();
    const id = (await t.as(manager).post(`/api/customers/${b!.id}/assign`, { assigneeId: sales.id })).body.notification.id;

    await drain();

    expect((await row(id)).status).toBe('sent');
    expect(wechat.tokenRequests()).toBe(2);
  });

  it('while WeChat is unreachable, assignments still succeed; notifications go out once it is back', async () => {
    await setup();
    await wechat.stop();
    const ids = [];
    for (const customer of await t.customers(5)) {
      const res = await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id });
      expect(res.status).toBe(200);
      ids.push(res.body.notification.id);
    }
    await drain();
    for (const id of ids) expect(await row(id)).toMatchObject({ status: 'pending', reason: 'NETWORK' });

    await wechat.restart();
    t.clock.advance(5_000);
    await drain();

    for (const id of ids) expect((await row(id)).status).toBe('sent');
    expect(new Set(wechat.sentEvents().map((e) => e.deliveryId)).size).toBe(5);
  });

  it('a manager requeues a failed notification; other states answer 409', async () => {
    await setup();
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    expect((await t.as(manager).post(`/api/notifications/${id}/retry`)).status).toBe(409);
    wechat.queueFault({ kind: 'errcode', errcode: 40037, errmsg: 'invalid template_id' });
    await drain();
    expect((await row(id)).status).toBe('failed');

    expect((await t.as(sales).post(`/api/notifications/${id}/retry`)).status).toBe(403);
    const requeued = await t.as(manager).post(`/api/notifications/${id}/retry`);
    expect(requeued.status).toBe(200);
    expect(requeued.body).toMatchObject({ status: 'pending', attempts: 0 });
    await drain();

    expect(await row(id)).toMatchObject({ status: 'sent' });
    expect((await t.as(manager).post('/api/notifications/nope/retry')).status).toBe(404);
  });

  it('a running notifier picks up a new assignment at once: the assignment wakes it', async () => {
    // Polling once a minute: within the wait below only a wake-up can deliver.
    await setup({ NOTIFY_POLL_MS: '60000' });
    const [first, second] = await t.customers(2);
    const firstId = (await t.as(manager).post(`/api/customers/${first!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    const notifier = t.notifier();
    notifier.start();
    try {
      // The start-up poll delivers the first; once it is recorded every loop has found nothing more and sleeps.
      await waitFor(() => row(firstId), (r) => r.status === 'sent', { what: 'the start-up poll to deliver the first notification', timeoutMs: 3000 });

      const id = (await t.as(manager).post(`/api/customers/${second!.id}/assign`, { assigneeId: sales.id })).body.notification.id;

      expect(await waitFor(() => row(id), (r) => r.status === 'sent', { what: 'the woken notifier to deliver', timeoutMs: 5000 })).toMatchObject({ status: 'sent', attempts: 1 });
      expect(wechat.sentEvents().map((e) => e.deliveryId)).toEqual([firstId, id]);
    } finally {
      await notifier.stop();
    }
  });

  it('an assignment made while every loop has an invocation in flight goes out when one ends, not at the next poll', async () => {
    // One loop, polling once a minute, WeChat holding its answer: the loop's look-ahead claim has found nothing by the
    // time the second assignment commits, and no loop is asleep for the wake-up to release.
    await setup({ NOTIFY_POLL_MS: '60000', NOTIFY_CONCURRENCY: '1' });
    const answers = wechat.holdAnswers();
    const [first, second] = await t.customers(2);
    const firstId = (await t.as(manager).post(`/api/customers/${first!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    const notifier = t.notifier();
    notifier.start();
    try {
      // With the request on its way the loop has begun its look-ahead claim, which read the clock as it began: an
      // assignment a millisecond later is not due for that claim, whenever its query runs.
      await waitFor(() => wechat.invocationsReceived(), (count) => count === 1, { what: 'the first invocation at WeChat', timeoutMs: 3000 });
      t.clock.advance(1);

      const id = (await t.as(manager).post(`/api/customers/${second!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
      expect((await row(id)).status).toBe('pending');
      answers.release();

      expect(await waitFor(() => row(id), (r) => r.status === 'sent', { what: 'the second delivered after the first round trip', timeoutMs: 5000 })).toMatchObject({ status: 'sent' });
      expect(wechat.sentEvents().map((e) => e.deliveryId)).toEqual([firstId, id]);
    } finally {
      answers.release();
      await notifier.stop();
    }
  });

  /** A process at ease: every loop the backlog asks for may start. */
  const atEase = { mayStartLoop: () => true, busy: () => false };

  it('by default an assignment that finds every loop waiting for WeChat gets a loop of its own at once, not after a round trip', async () => {
    // Nothing sized by hand (no NOTIFY_CONCURRENCY); polling once a minute, so only a wake-up can start a send.
    await setup({ NOTIFY_POLL_MS: '60000' });
    const answers = wechat.holdAnswers();
    const customers = await t.customers(6);
    const notifier = t.notifier({ loopGate: atEase });
    notifier.start();
    try {
      for (const [index, customer] of customers.entries()) {
        await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id });
        await waitFor(() => wechat.invocationsReceived(), (count) => count === index + 1, { what: `invocation ${index + 1} at WeChat while the others wait`, timeoutMs: 3000 });
      }

      expect(notifier.loops()).toBe(6);
    } finally {
      answers.release();
      await notifier.stop();
    }
  });

  it('while the process is busy (a load of requests) no loop beyond two starts: the assignments come first', async () => {
    await setup({ NOTIFY_POLL_MS: '60000' });
    const answers = wechat.holdAnswers();
    const ids: string[] = [];
    const notifier = t.notifier({ loopGate: { mayStartLoop: () => false, busy: () => true } });
    notifier.start();
    try {
      for (const customer of await t.customers(4)) ids.push((await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id);
      await waitFor(() => wechat.invocationsReceived(), (count) => count === 2, { what: 'two invocations at WeChat', timeoutMs: 3000 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect([wechat.invocationsReceived(), notifier.loops()]).toEqual([2, 2]);

      answers.release();
      // The rest go out once a loop is free: later, not lost.
      await waitFor(() => Promise.all(ids.map(async (id) => (await row(id)).status)), (statuses) => statuses.every((status) => status === 'sent'), { what: 'all four sent', timeoutMs: 5000 });
    } finally {
      answers.release();
      await notifier.stop();
    }
  });

  it('loops that end together because the process got busy leave two running: nothing due is left unclaimed', async () => {
    // One notification a batch: six loops grow, each with an invocation in flight and a batch claimed ahead.
    await setup({ NOTIFY_POLL_MS: '50', NOTIFY_BATCH_SIZE: '1', NOTIFY_CONCURRENCY: '6' });
    const ids: string[] = [];
    for (const customer of await t.customers(14)) ids.push((await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id);
    const answers = wechat.holdAnswers();
    let busy = false;
    const notifier = t.notifier({ loopGate: { mayStartLoop: () => !busy, busy: () => busy } });
    notifier.start();
    try {
      await waitFor(() => wechat.invocationsReceived(), (count) => count === 6, { what: 'six invocations at WeChat', timeoutMs: 3000 });
      await waitFor(() => t.db.selectFrom('notifications').select('id').where('status', '=', 'sending').execute(), (rows) => rows.length === 12, { what: 'six more claimed ahead' });

      busy = true;
      answers.release();

      await waitFor(() => Promise.all(ids.map(async (id) => (await row(id)).status)), (statuses) => statuses.every((status) => status === 'sent'), { what: 'all fourteen sent', timeoutMs: 5000 });
      expect(notifier.loops()).toBeGreaterThanOrEqual(1);
    } finally {
      answers.release();
      await notifier.stop();
    }
  });

  it('loops never exceed NOTIFY_CONCURRENCY, and end once idle, down to one', async () => {
    await setup({ NOTIFY_POLL_MS: '50', NOTIFY_CONCURRENCY: '3' });
    const answers = wechat.holdAnswers();
    const customers = await t.customers(4);
    const notifier = t.notifier({ loopGate: atEase });
    notifier.start();
    try {
      const ids: string[] = [];
      for (const customer of customers) ids.push((await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id);
      await waitFor(() => wechat.invocationsReceived(), (count) => count === 3, { what: 'three invocations at WeChat', timeoutMs: 3000 });
      // A few polls later the fourth is still waiting for a loop.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect([wechat.invocationsReceived(), notifier.loops()]).toEqual([3, 3]);

      answers.release();
      await waitFor(() => Promise.all(ids.map(async (id) => (await row(id)).status)), (statuses) => statuses.every((status) => status === 'sent'), { what: 'all four sent', timeoutMs: 5000 });
      expect(await waitFor(async () => notifier.loops(), (loops) => loops === 1, { what: 'idle loops to end', timeoutMs: 3000 })).toBe(1);
    } finally {
      answers.release();
      await notifier.stop();
    }
  });

  it('stopping leaves no row claimed: in-flight deliveries finish, the rest go back to pending', async () => {
    await setup({ NOTIFY_BATCH_SIZE: '2', NOTIFY_CONCURRENCY: '1' });
    wechat.setDelay(200);
    for (const customer of await t.customers(6)) await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id });
    const notifier = t.notifier();

    notifier.start();
    // A first batch is claimed, so its invocation is under way (WeChat takes 200 ms to answer).
    await waitFor(() => t.db.selectFrom('notifications').select('status').where('status', '=', 'sending').execute(), (claimed) => claimed.length > 0, { what: 'a claimed batch' });
    await notifier.stop();

    const rows = await t.db.selectFrom('notifications').select(['status', 'lease_owner']).execute();
    expect(rows.filter((r) => r.status === 'sending')).toEqual([]);
    expect(rows.filter((r) => r.status === 'sent').length).toBeGreaterThanOrEqual(2);
    expect(rows.filter((r) => r.status === 'pending').length).toBeGreaterThan(0);
    expect(rows.every((r) => r.lease_owner === null)).toBe(true);
  });

  it('two workers on one database never send a notification twice and lose none', async () => {
    await setup({ NOTIFY_BATCH_SIZE: '5', NOTIFY_CONCURRENCY: '2', NOTIFY_POLL_MS: '20' });
    wechat.setDelay(15);
    const customers = await t.customers(60);
    const ids: string[] = [];
    for (const customer of customers) {
      ids.push((await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id);
    }
    const workers = [t.notifier({ workerId: 'worker-a' }), t.notifier({ workerId: 'worker-b' })];

    for (const worker of workers) worker.start();
    const pendingCount = async () =>
      (await t.db.selectFrom('notifications').select('id').where('status', '!=', 'sent').execute()).length;
    await waitFor(pendingCount, (count) => count === 0, { what: 'every notification to be sent', timeoutMs: 15_000, intervalMs: 50 });
    for (const worker of workers) await worker.stop();

    const sentIds = wechat.sentEvents().map((e) => e.deliveryId);
    expect(sentIds).toHaveLength(60);
    expect(new Set(sentIds)).toEqual(new Set(ids));
    const attempts = await t.db.selectFrom('notification_attempts').select('notification_id').execute();
    expect(attempts).toHaveLength(60);
  });
  it('deliveries the function did not attempt (no time left, or another run holds them) are sent again without using an attempt', async () => {
    await setup({ NOTIFY_MAX_ATTEMPTS: '2' });
    const answers = [{ reason: 'NOT_ATTEMPTED' }, { reason: 'NOT_ATTEMPTED' }, { reason: 'IN_PROGRESS' }];
    wechat.setFunction((event) => {
      const next = answers.shift() ?? { reason: 'SENT', sentAt: new Date().toISOString() };
      return { ok: true, result: { deliveryId: event.deliveryId, ...next } };
    });
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;

    await drain();
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0, reason: 'IN_PROGRESS' });
    t.clock.advance(5_000);
    await drain();

    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
    const shown = await t.as(manager).get(`/api/notifications/${id}`);
    expect(shown.body.attemptHistory.map((a: { outcome: string; reason: string }) => [a.outcome, a.reason])).toEqual([
      ['requeued', 'NOT_ATTEMPTED'],
      ['requeued', 'NOT_ATTEMPTED'],
      ['requeued', 'IN_PROGRESS'],
      ['sent', 'SENT'],
    ]);
  });

  it('an unconfirmed send is not sent again by itself; a manager retry sends it as a new delivery', async () => {
    await setup();
    wechat.setFunction(functionAnswering({ reason: 'SYSTEM_BUSY', errCode: -1, message: 'system error' }));
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;

    await drain();
    t.clock.advance(86_400_000);
    await drain();
    expect(await row(id)).toMatchObject({ reason: 'SYSTEM_BUSY', attempts: 1 });
    expect(wechat.sentEvents()).toHaveLength(1);
    expect(t.logLines.some((line) => line.includes('"level":40') && line.includes('may or may not have reached'))).toBe(true);

    wechat.setFunction(functionAnswering({ reason: 'SENT', sentAt: new Date().toISOString() }));
    expect((await t.as(manager).post(`/api/notifications/${id}/retry`, {})).status).toBe(200);
    await drain();

    // The function sends a delivery id once: the message sent again needs an id of its own.
    const resent = wechat.sentEvents().at(-1)!;
    expect(resent.deliveryId).not.toBe(id);
    expect(await row(id)).toMatchObject({ status: 'sent', delivery_id: resent.deliveryId });
  });

  it('skipped is not forever: a manager sends one again, or every skipped notification of a salesperson', async () => {
    await setup();
    wechat.setFunction(functionAnswering({ reason: 'NOT_BOUND', message: 'not bound' }));
    const [a, b, c] = await t.customers(3);
    const ids: string[] = [];
    for (const customer of [a!, b!, c!]) ids.push((await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id);
    await drain();
    for (const id of ids) expect((await row(id)).status).toBe('skipped');

    wechat.setFunction(functionAnswering({ reason: 'SENT', sentAt: new Date().toISOString() }));
    expect((await t.as(sales).post(`/api/users/${sales.id}/notifications/requeue-skipped`, {})).status).toBe(403);
    expect((await t.as(manager).post(`/api/notifications/${ids[0]}/retry`, {})).body).toMatchObject({ status: 'pending', attempts: 0 });
    const bulk = await t.as(manager).post(`/api/users/${sales.id}/notifications/requeue-skipped`, {});
    expect(bulk.status).toBe(200);
    expect([...bulk.body.requeuedIds].sort()).toEqual([ids[1], ids[2]].sort());
    await drain();

    for (const id of ids) expect((await row(id)).status).toBe('sent');
    expect((await t.as(manager).post(`/api/notifications/${ids[0]}/retry`, {})).status).toBe(409);
  });

  it('a permanent failure is logged as an error with its fix', async () => {
    await setup();
    wechat.setFunction(functionAnswering({ reason: 'OPENAPI_PERMISSION_DENIED', errCode: -604101, message: 'no permission' }));
    const customer = await t.customer();
    await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id });

    await drain();

    const line = t.logLines.find((entry) => entry.includes('notification failed for good'));
    expect(line).toContain('"level":50');
    expect(line).toContain('config.json lists subscribeMessage.send');
  });

  it('the message carries company, masked phone and source as they were at assignment time', async () => {
    await setup();
    const customer = await t.customer({ name: '云栖科技', company: '杭州云栖', phone: '+86 138-0013-8000', source: '官网表单' });
    await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id });
    await t.as(manager).patch(`/api/customers/${customer.id}`, { company: '改名以后' });

    await drain();

    expect(wechat.sentEvents()[0]?.customers).toEqual([{ id: customer.id, name: '云栖科技', company: '杭州云栖', phone: '861****8000', source: '官网表单' }]);
  });

  it('a digest of rows from several assigners names them truthfully', async () => {
    await setup({ NOTIFY_DIGEST_SECONDS: '60' });
    const admin = await t.user('admin', '管理员');
    const [a, b] = await t.customers(2);
    await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id, note: '先打电话' });
    t.clock.advance(1_000);
    await t.as(admin).post(`/api/customers/${b!.id}/assign`, { assigneeId: sales.id, note: '重点客户' });
    t.clock.advance(61_000);

    await drain();

    expect(wechat.sentEvents()).toHaveLength(1);
    expect(wechat.sentEvents()[0]).toMatchObject({ customerCount: 2, actor: { name: '管理员等2人' }, note: '先打电话；重点客户' });
  });
  it('with message push configured, an unconfirmed delivery that no receipt confirmed in time is sent again, once', async () => {
    await setup({ WECHAT_PUSH_TOKEN: 'push-token', NOTIFY_RECEIPT_WAIT_MINUTES: '10' });
    wechat.setFunction(functionAnswering({ reason: 'SYSTEM_BUSY', errCode: -1, message: 'system error', openid: 'openid-zhang' }));
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    await drain();
    expect(await row(id)).toMatchObject({ status: 'unconfirmed', wechat_openid: 'openid-zhang' });

    // The notifier's housekeeping looks every poll interval; here it is run by hand.
    const keepHouse = async () => {
      await resendUnreceipted(t.delivery);
      await drain();
    };
    t.clock.advance(9 * 60_000);
    await keepHouse();
    expect((await row(id)).status).toBe('unconfirmed');

    // The resend, under a new delivery id, is again answered ambiguously: it is not sent a third time by itself.
    t.clock.advance(2 * 60_000);
    await keepHouse();
    const resent = wechat.sentEvents().at(-1)!;
    expect(wechat.sentEvents()).toHaveLength(2);
    expect(resent.deliveryId).not.toBe(id);
    expect(await row(id)).toMatchObject({ status: 'unconfirmed', delivery_id: resent.deliveryId, no_receipt_resent: 1 });

    t.clock.advance(11 * 60_000);
    await keepHouse();
    expect(wechat.sentEvents()).toHaveLength(2);

    // An operator's retry sends it again, and allows one more resend for lack of a receipt.
    wechat.setFunction(functionAnswering({ reason: 'SENT', sentAt: new Date().toISOString(), openid: 'openid-zhang' }));
    expect((await t.as(manager).post(`/api/notifications/${id}/retry`, {})).status).toBe(200);
    await drain();
    expect(wechat.sentEvents()).toHaveLength(3);
    expect(await row(id)).toMatchObject({ status: 'sent', delivery_id: wechat.sentEvents().at(-1)!.deliveryId, no_receipt_resent: 0 });
  });
  it('a lead skipped NO_SUBSCRIPTION while the salesperson was accepting (the push came during the attempt) goes out again', async () => {
    await setup();
    wechat.setFunction(async (event) => {
      // WeChat's push of the acceptance reaches the CRM while this attempt is being refused.
      await t.db
        .insertInto('wechat_subscriptions')
        .values({ openid: 'openid-zhang', template_id: 'tmpl', crm_user_id: sales.id, remaining: 1, refused: 0, version: 2, updated_at: new Date(t.clock.now()).toISOString() })
        .execute();
      wechat.setFunction(functionAnswering({ reason: 'SENT', sentAt: new Date().toISOString() }));
      return { ok: true, result: { deliveryId: event.deliveryId, reason: 'NO_SUBSCRIPTION', message: 'no subscription' } };
    });
    const customer = await t.customer();
    const id = (await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id })).body.notification.id;

    await drain();

    expect(await row(id)).toMatchObject({ status: 'sent' });
    expect(wechat.sentEvents()).toHaveLength(2);
  });
});
