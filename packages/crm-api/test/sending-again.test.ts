import type { LocalWechat } from '@leadnotify/wechat-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { storeReceipt } from '../src/delivery/outbox/receipts.js';
import { resendUnreceipted } from '../src/delivery/resend-unreceipted.js';
import { settleReceipts } from '../src/delivery/settle-receipts.js';
import type { RunningServer } from '../src/server.js';
import { startFakeWechat, type FakeWechat } from './helpers/fake-wechat.js';
import { seeder, type SeededUser } from './helpers/seed.js';
import { createTestApp, wechatEnv, type TestApp } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';
import { startTestServer } from './helpers/test-server.js';
import { waitFor } from '@leadnotify/test-support';
import { postPush, signedPush, subscribeEvent } from './helpers/wechat-push.js';

/**
 * A salesperson hears about each lead once: a message sent again goes out under a new delivery id (the function
 * sends an id at most once), a digest's rows move together, and a receipt settles the delivery it is about.
 */
describe('sending again, with the real cloud function behind the emulator', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let running: RunningServer<LocalWechat>;
  afterEach(() => server.stop());

  const PUSH_TOKEN = 'push-token-for-tests';
  async function start(env: Record<string, string>, clock?: { now(): number }) {
    server = await startTestServer({ NOTIFY_POLL_MS: '50', NOTIFY_BACKOFF_BASE_MS: '50', NOTIFY_BACKOFF_MAX_MS: '200', ...env }, 'warn', clock);
    running = server.running;
  }
  const api = async (path: string, who: SeededUser, body?: unknown) => {
    const response = await fetch(`${running.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: who.headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return (await response.json()) as any;
  };
  const show = (id: string, who: SeededUser) => api(`/api/notifications/${id}`, who);
  const settled = (id: string, who: SeededUser) =>
    waitFor(() => show(id, who), (shown) => shown.status !== 'pending' && shown.status !== 'sending', { what: `notification ${id} to settle` });
  const assign = async (customerId: string, manager: SeededUser, assigneeId: string, note?: string) =>
    (await api(`/api/customers/${customerId}/assign`, manager, { assigneeId, ...(note ? { note } : {}) })).notification.id as string;
  /** WeChat's delivery receipt, signed at `atMs` (the server's clock). */
  async function push(openid: string, delivered: boolean, msgId: string, atMs = Date.now()) {
    const pushed = signedPush(
      {
        ...subscribeEvent(openid, 'subscribe_msg_sent_event', { TemplateId: 'emulator-lead-assigned', MsgID: msgId, ErrorCode: delivered ? '0' : '10001', ErrorStatus: delivered ? 'success' : 'failed' }),
        CreateTime: Math.floor(atMs / 1000),
      },
      { token: PUSH_TOKEN, appId: running.config.MINIPROGRAM_APPID as string },
      { timestamp: String(Math.floor(atMs / 1000)) },
    );
    expect((await postPush(running, pushed)).status).toBe(200);
  }

  it('a digest whose notes together pass the event\'s 500-character limit is delivered, the note cut', async () => {
    await start({ NOTIFY_DIGEST_SECONDS: '1' });
    const manager = await seeder(running.db).user('manager');
    const sales = await seeder(running.db).user('sales');
    await running.localWechat!.setupUser(sales.id, 5);
    const [a, b] = await seeder(running.db).customers(2);
    const first = await assign(a!, manager, sales.id, '甲'.repeat(300));
    await assign(b!, manager, sales.id, '乙'.repeat(300));

    expect(await settled(first, manager)).toMatchObject({ reason: 'SENT' });
    expect(running.localWechat!.messages).toHaveLength(1);
  });

  it('a digest from several assigners, the latest with a 99-character name, is delivered', async () => {
    await start({ NOTIFY_DIGEST_SECONDS: '1' });
    const first = await seeder(running.db).user('manager');
    const second = await seeder(running.db).user('manager', 'M'.repeat(99));
    const sales = await seeder(running.db).user('sales');
    await running.localWechat!.setupUser(sales.id, 5);
    const [a, b] = await seeder(running.db).customers(2);
    const id = await assign(a!, first, sales.id);
    await assign(b!, second, sales.id);

    expect(await settled(id, first)).toMatchObject({ reason: 'SENT' });
    expect(running.localWechat!.messages).toHaveLength(1);
  });

  it("retrying a delivery WeChat's receipt refuted sends a new message", async () => {
    await start({ WECHAT_PUSH_TOKEN: PUSH_TOKEN });
    const manager = await seeder(running.db).user('manager');
    const sales = await seeder(running.db).user('sales');
    const openid = await running.localWechat!.setupUser(sales.id, 2);
    const [a] = await seeder(running.db).customers(1);
    const id = await assign(a!, manager, sales.id);
    expect((await settled(id, manager)).status).toBe('sent');
    await push(openid, false, '1');
    expect(await show(id, manager)).toMatchObject({ reason: 'DELIVERY_FAILED' });

    expect((await api(`/api/notifications/${id}/retry`, manager, {})).status).toBe('pending');
    const after = await settled(id, manager);

    expect(running.localWechat!.messages).toHaveLength(2);
    expect(after).toMatchObject({ reason: 'SENT' });
    expect(after.deliveryId).not.toBe(id);
  });

  it('retrying one notification of a skipped digest sends the whole digest, once', async () => {
    await start({ NOTIFY_DIGEST_SECONDS: '1' });
    const manager = await seeder(running.db).user('manager');
    const sales = await seeder(running.db).user('sales');
    await running.localWechat!.setupUser(sales.id, 0); // bound, not subscribed
    const [a, b] = await seeder(running.db).customers(2);
    const rowA = await assign(a!, manager, sales.id);
    const rowB = await assign(b!, manager, sales.id);
    expect((await settled(rowA, manager)).status).toBe('skipped');
    expect((await settled(rowB, manager)).status).toBe('skipped');

    await running.localWechat!.setupUser(sales.id, 2);
    expect((await api(`/api/notifications/${rowB}/retry`, manager, {})).status).toBe('pending');
    const shownB = await settled(rowB, manager);
    const shownA = await settled(rowA, manager);

    expect([shownA.status, shownB.status]).toEqual(['sent', 'sent']);
    expect(running.localWechat!.messages).toHaveLength(1);
    expect(running.localWechat!.messages[0]!.page).toContain('pages/customer/list'); // the two-customer message
    expect((await api(`/api/notifications/${rowA}/retry`, manager, {})).error.code).toBe('NOTIFICATION_NOT_RETRYABLE');
  });

  it('a lead sent again, then skipped, goes out on the catch-up after an acceptance (not answered from an old delivery id)', async () => {
    await start({ WECHAT_PUSH_TOKEN: PUSH_TOKEN });
    const manager = await seeder(running.db).user('manager');
    const sales = await seeder(running.db).user('sales');
    const openid = await running.localWechat!.setupUser(sales.id, 1);
    const [a] = await seeder(running.db).customers(1);
    const id = await assign(a!, manager, sales.id);
    expect((await settled(id, manager)).status).toBe('sent');
    await push(openid, false, '1'); // WeChat: it did not arrive
    await api(`/api/notifications/${id}/retry`, manager, {});
    expect(await settled(id, manager)).toMatchObject({ reason: 'NO_SUBSCRIPTION' });

    // The salesperson accepts once more: WeChat's push of it starts the catch-up.
    await running.localWechat!.setupUser(sales.id, 1);
    const accepted = signedPush(subscribeEvent(openid, 'subscribe_msg_popup_event', { TemplateId: 'emulator-lead-assigned', SubscribeStatusString: 'accept', PopupScene: '0' }), {
      token: PUSH_TOKEN,
      appId: running.config.MINIPROGRAM_APPID as string,
    });
    await postPush(running, accepted);

    expect(await waitFor(() => show(id, manager), (shown) => shown.status === 'sent', { what: 'the caught-up lead sent' })).toMatchObject({ reason: 'SENT' });
    expect(running.localWechat!.messages).toHaveLength(2);
  });

  it("a message sent again is found by the new delivery id its link carries, with the salesperson's own token", async () => {
    await start({});
    const manager = await seeder(running.db).user('manager');
    const sales = await seeder(running.db).user('sales');
    await running.localWechat!.setupUser(sales.id, 5);
    const [customer] = await seeder(running.db).customers(1);
    running.localWechat!.setFaults({ errorAfterSendRate: 1 }); // WeChat delivers, then answers -1
    const id = await assign(customer!, manager, sales.id);
    expect((await settled(id, manager)).status).toBe('unconfirmed');
    running.localWechat!.setFaults({ errorAfterSendRate: 0 });

    expect((await api(`/api/notifications/${id}/retry`, manager, {})).status).toBe('pending');
    const resent = await settled(id, manager);

    expect(resent.deliveryId).not.toBe(id);
    expect(running.localWechat!.messages.at(-1)!.page).toContain(`deliveryId=${encodeURIComponent(resent.deliveryId)}`);
    expect((await api(`/api/notifications?deliveryId=${encodeURIComponent(resent.deliveryId)}`, sales)).items.map((n: { id: string }) => n.id)).toEqual([id]);
  });

  it('a delivery whose receipt never came does not take the receipt of a message sent long after it', async () => {
    let offset = 0;
    await start({ WECHAT_PUSH_TOKEN: PUSH_TOKEN, NOTIFY_RECEIPT_WAIT_MINUTES: '1' }, { now: () => Date.now() + offset });
    const manager = await seeder(running.db).user('manager');
    const sales = await seeder(running.db).user('sales');
    const openid = await running.localWechat!.setupUser(sales.id, 5);
    const [a, b] = await seeder(running.db).customers(2);
    const before = await assign(a!, manager, sales.id);
    expect((await settled(before, manager)).status).toBe('sent'); // its receipt is lost (or push was set up later)

    offset += 5 * 60_000;
    running.localWechat!.setFaults({ errorAfterSendRate: 1 }); // WeChat delivers, then answers -1
    const ambiguous = await assign(b!, manager, sales.id);
    expect((await settled(ambiguous, manager)).status).toBe('unconfirmed');
    running.localWechat!.setFaults({ errorAfterSendRate: 0 });
    await push(openid, true, '2', Date.now() + offset);

    expect(await show(ambiguous, manager)).toMatchObject({ reason: 'SENT' });
    expect((await show(before, manager)).confirmedAt).toBeNull();
    offset += 2 * 60_000; // past NOTIFY_RECEIPT_WAIT_MINUTES: nothing is waiting to be sent again
    expect(await resendUnreceipted({ ...running.context, wake: running.context.wakeNotifier })).toBe(0);
    expect((await show(before, manager)).status).toBe('sent');
    expect(running.localWechat!.messages).toHaveLength(2);
  });
});

describe('a resend whose invocation timed out', () => {
  let wechat: FakeWechat;
  let t: TestApp;
  afterEach(async () => {
    await t.close();
    await wechat.stop();
  });

  it('is retried under the same new delivery id, so the function cannot send it twice', async () => {
    wechat = await startFakeWechat();
    t = await createTestApp('sqlite', { ...wechatEnv(wechat.baseUrl), NOTIFY_BACKOFF_BASE_MS: '1000' });
    const manager = await t.user('manager');
    const sales = await t.user('sales');
    const [customer] = await t.customers(1);
    const id = (await t.as(manager).post(`/api/customers/${customer!.id}/assign`, { assigneeId: sales.id })).body.notification.id;
    wechat.setFunction((event) => ({ ok: true, result: { deliveryId: event.deliveryId, reason: 'SYSTEM_BUSY', errCode: -1, openid: 'o1' } }));
    await t.notifier().runOnce();
    expect((await t.as(manager).post(`/api/notifications/${id}/retry`)).body.status).toBe('pending');

    wechat.queueFault({ kind: 'errcode', errcode: -504003, errmsg: 'Invoking task timed out after 3 seconds' });
    await t.notifier().runOnce(); // the resend's run was stopped: its send may be out
    t.clock.advance(10_000);
    await t.notifier().runOnce();

    // (the fake lists only the invocations it answered)
    const [original, retried] = wechat.sentEvents();
    const attempts = (await t.as(manager).get(`/api/notifications/${id}`)).body.attemptHistory as Array<{ deliveryId: string; reason: string }>;
    expect(original?.deliveryId).toBe(id);
    expect(retried?.deliveryId).not.toBe(id);
    expect(attempts.map((attempt) => attempt.deliveryId)).toEqual([id, retried?.deliveryId, retried?.deliveryId]);
  });
});

describe.each(testEngines())('receipts on %s', (engine) => {
  let t: TestApp;
  afterEach(() => t.close());

  async function sentDelivery(id: string, assigneeId: string, actorId: string, sentAtMs: number, msgId: string) {
    const now = new Date(t.clock.now()).toISOString();
    await t.db
      .insertInto('notifications')
      .values({
        id, assignee_id: assigneeId, actor_id: actorId, via: 'web', note: null, status: 'sent', attempts: 1, next_attempt_at: now,
        created_at: now, updated_at: now, lease_owner: null, lease_until: null, delivery_id: id, reason: 'SENT', last_error: null,
        sent_at: new Date(sentAtMs).toISOString(), wechat_openid: 'openid-1', confirmed_at: null, template_id: 'lead-template', msg_id: msgId,
      })
      .execute();
  }

  it('one receipt settles one delivery when the push handler and the notifier settle the same openid at once', async () => {
    t = await createTestApp(engine);
    const manager = await t.user('manager');
    const sales = await t.user('sales');
    await sentDelivery('00000000-0000-4000-8000-000000000001', sales.id, manager.id, t.clock.now(), '1001');
    await sentDelivery('00000000-0000-4000-8000-000000000002', sales.id, manager.id, t.clock.now() + 1, '1002');
    t.clock.advance(1000);
    const now = new Date(t.clock.now()).toISOString();
    await storeReceipt(t.db, { id: 'r1', openid: 'openid-1', delivered: false, detail: '10001 failed', templateId: 'lead-template', msgId: '1001', createdAt: now, receivedAt: now });

    // The second caller starts a statement after the first, as two independent callers would.
    const first = settleReceipts(t.delivery, ['openid-1']);
    await t.db.selectFrom('wechat_receipts').select('id').execute();
    const second = settleReceipts(t.delivery, ['openid-1']);
    await Promise.all([first, second]);

    const rows = await t.db.selectFrom('notifications').select('status').orderBy('id').execute();
    expect(rows.map((row) => row.status)).toEqual(['failed', 'sent']);
  });
});
