import { Writable } from 'node:stream';
import type { LocalWechat } from '@leadnotify/wechat-emulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { seeder, type SeededUser } from './helpers/seed.js';
import { createTestDatabase, testEngines, type TestDatabase } from './helpers/test-database.js';
import { withLocalWechat } from './helpers/test-server.js';
import { waitFor } from '@leadnotify/test-support';
import { postPush, signedPush, subscribeEvent } from './helpers/wechat-push.js';

const TOKEN = 'subscriptionTruthToken';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

/**
 * Issue 16 end to end, through the emulator's own pushes (signed, encrypted, as WeChat sends them): WeChat is
 * the truth about subscriptions, the CRM tells a manager whether a lead will arrive, and a salesperson who
 * subscribes again catches up on what they missed.
 */
describe.each(testEngines())('subscription truth from WeChat on %s', (engine) => {
  let database: TestDatabase;
  let running: RunningServer<LocalWechat>;
  let manager: SeededUser;
  let sales: SeededUser;
  let openid: string;

  beforeEach(async () => {
    database = await createTestDatabase(engine);
    await database.db.close();
    running = await startServer(
      loadConfig({
        DATABASE_URL: database.url,
        PORT: '0',
        HOST: '127.0.0.1',
        WECHAT_PUSH_TOKEN: TOKEN,
        WECHAT_PUSH_AES_KEY: AES_KEY,
        NOTIFY_POLL_MS: '50',
        LOG_LEVEL: 'warn',
      }),
      createLogger('warn', new Writable({ write: (_chunk, _encoding, done) => done() })),
      withLocalWechat,
    );
    await running.localWechat!.configurePush({ url: `${running.url}/wechat/push`, token: TOKEN, encodingAesKey: AES_KEY, mode: 'safe' });
    manager = await seeder(running.db).user('manager');
    sales = await seeder(running.db).user('sales');
    openid = await running.localWechat!.setupUser(sales.id, 0);
  });
  afterEach(async () => {
    await running.stop();
    await database.drop();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${running.url}${path}`, { method, headers: manager.headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const reachability = async () => (await api('GET', `/api/users/${sales.id}/reachability`)).body;
  const assign = async () => {
    const [customerId] = await seeder(running.db).customers(1);
    return (await api('POST', `/api/customers/${customerId}/assign`, { assigneeId: sales.id })).body.notification;
  };
  const settled = (ids: string[]) =>
    waitFor(
      () => Promise.all(ids.map(async (id) => (await api('GET', `/api/notifications/${id}`)).body)),
      (all) => all.every((n) => !['pending', 'sending'].includes(n.status)),
      { what: 'every notification final' },
    );
  const functionCount = async () =>
    ((await (await fetch(`${running.localWechat!.url}/_emulator/subscriptions`)).json()) as { function: Array<{ openid: string; remaining: number }> }).function.find(
      (entry) => entry.openid === openid,
    )?.remaining;
  const pushByHand = async (push: ReturnType<typeof signedPush>) => (await postPush(running, push)).status;

  it('bind → accept ×2 → three leads: two messages, one skipped; stock 0; accept → one catch-up digest; every delivery confirmed', async () => {
    running.localWechat!.subscribePopup(openid, ['accept', 'accept']);
    await waitFor(reachability, (r) => r.acceptancesInStock === 2, { what: 'two acceptances pushed and applied' });

    const first = [await assign(), await assign(), await assign()];
    // The first is certainly expected to arrive; later ones depend on how many went out before they committed.
    expect(first[0].expected).toBe('reachable');
    const final = await settled(first.map((n) => n.id));
    expect(final.map((n) => n.status).sort()).toEqual(['sent', 'sent', 'skipped']);
    expect(final.find((n) => n.status === 'skipped')?.reason).toBe('NO_SUBSCRIPTION');
    expect(running.localWechat!.messages).toHaveLength(2);

    const empty = await reachability();
    expect(empty).toMatchObject({ bound: true, acceptancesInStock: 0, expected: 'unreachable: NO_SUBSCRIPTION', lastSkipped: { reason: 'NO_SUBSCRIPTION' } });
    const queued = await assign();
    expect(queued.expected).toBe('unreachable: NO_SUBSCRIPTION');
    // Its own id: the first skipped one in a list may be the earlier lead while this one is still in flight.
    const fourth = await settled([queued.id]);
    expect(fourth[0].status).toBe('skipped');

    running.localWechat!.subscribePopup(openid, ['accept']);
    const caughtUp = await waitFor(
      () => api('GET', `/api/notifications?assigneeId=${sales.id}`),
      (list) => list.body.items.every((n: { status: string }) => n.status === 'sent'),
      { what: 'the skipped notifications caught up' },
    );
    expect(running.localWechat!.messages).toHaveLength(3);
    const digest = running.localWechat!.messages[2]!;
    expect(digest.data.thing1?.value).toMatch(/等2位客户$/);
    // The two skipped ones went out together, under a delivery id of their own.
    const caughtUpDeliveries = caughtUp.body.items.filter((n: { deliveryId: string; id: string }) => n.deliveryId !== n.id).map((n: { deliveryId: string }) => n.deliveryId);
    expect(caughtUpDeliveries).toHaveLength(2);
    expect(new Set(caughtUpDeliveries).size).toBe(1);

    await running.localWechat!.settlePushes();
    const confirmed = await waitFor(
      () => api('GET', `/api/notifications?assigneeId=${sales.id}`),
      (list) => list.body.items.every((n: { confirmedAt: string | null }) => n.confirmedAt !== null),
      { what: "WeChat's receipts to confirm every delivery" },
    );
    expect(confirmed.body.items).toHaveLength(4);
    expect((await reachability()).lastDelivered).not.toBeNull();
  });

  it('a forged push, a bad msg_signature and a corrupted Encrypt are refused; a copy of a stored push is answered and changes nothing', async () => {
    const accept = subscribeEvent(openid, 'subscribe_msg_popup_event', { TemplateId: 'emulator-lead-assigned', SubscribeStatusString: 'accept', PopupScene: '0' });
    const appId = running.config.MINIPROGRAM_APPID as string;
    const genuine = signedPush(accept, { token: TOKEN, aesKey: AES_KEY, appId });
    expect(await pushByHand(genuine)).toBe(200);
    const before = await functionCount();

    expect(await pushByHand(genuine), 'a copy (WeChat trying again)').toBe(200);
    expect(await pushByHand(signedPush(accept, { token: 'not-the-token', aesKey: AES_KEY, appId })), 'forged').toBe(403);
    const badSignature = signedPush(accept, { token: TOKEN, aesKey: AES_KEY, appId });
    badSignature.query.msg_signature = '0'.repeat(40);
    expect(await pushByHand(badSignature), 'bad msg_signature').toBe(403);
    const corrupted = signedPush(accept, { token: TOKEN, aesKey: AES_KEY, appId });
    const encrypted = corrupted.body.Encrypt as string;
    corrupted.body.Encrypt = `${encrypted.slice(0, 20)}${encrypted[20] === 'A' ? 'B' : 'A'}${encrypted.slice(21)}`;
    expect(await pushByHand(corrupted), 'corrupted Encrypt').toBe(403);

    expect(await functionCount()).toBe(before);
    expect((await reachability()).acceptancesInStock).toBe(1);
  });
});
