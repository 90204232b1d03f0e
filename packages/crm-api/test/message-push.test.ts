import { WECHAT_CRYPTO_SAMPLE, pushSignature, type LocalWechat } from '@leadnotify/wechat-emulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPush } from '../src/delivery/channels/wechat-subscribe/index.js';
import type { RunningServer } from '../src/server.js';
import { seeder, type SeededUser } from './helpers/seed.js';
import { startTestServer } from './helpers/test-server.js';
import { waitFor } from '@leadnotify/test-support';
import { postPush, signedPush, subscribeEvent, type PushSecrets } from './helpers/wechat-push.js';

/** Tencent's published WXBizMsgCrypt sample. */
const SAMPLE = { ...WECHAT_CRYPTO_SAMPLE, aesKey: WECHAT_CRYPTO_SAMPLE.encodingAesKey };

describe("opening a push with WeChat's published sample values", () => {
  const query = () => {
    const signature = pushSignature(SAMPLE.token, SAMPLE.timestamp, SAMPLE.nonce);
    return { signature, timestamp: SAMPLE.timestamp, nonce: SAMPLE.nonce, msg_signature: SAMPLE.msgSignature };
  };
  const open = (body: unknown, overrides: Partial<ReturnType<typeof query>> = {}, appId = SAMPLE.appId) =>
    openPush({ ...query(), ...overrides }, body, { token: SAMPLE.token, aesKey: SAMPLE.aesKey, appId }, Number(SAMPLE.timestamp) * 1000, 300_000);
  const refusal = (run: () => unknown) => {
    try {
      run();
      return 'opened';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('checks msg_signature and decrypts the sample for its AppID (the sample is an XML text message, which this JSON endpoint then refuses)', () => {
    expect(refusal(() => open({ ToUserName: 'gh_10f6c3c3ac5a', Encrypt: SAMPLE.encrypt }))).toMatch(/set the message format to JSON/);
  });

  it('refuses an altered Encrypt, a wrong msg_signature, another AppID, a forged signature and an old timestamp', () => {
    const altered = SAMPLE.encrypt.replace('hyzAe4', 'hyzAe5');
    expect(refusal(() => open({ Encrypt: altered }))).toMatch(/msg_signature does not match/);
    expect(refusal(() => open({ Encrypt: SAMPLE.encrypt }, { msg_signature: '0'.repeat(40) }))).toMatch(/msg_signature does not match/);
    expect(refusal(() => open({ Encrypt: SAMPLE.encrypt }, {}, 'wx-some-other-app'))).toMatch(/another AppID/);
    expect(refusal(() => open({ Encrypt: SAMPLE.encrypt }, { signature: 'f'.repeat(40) }))).toMatch(/signature does not match/);
    expect(
      refusal(() => openPush(query(), { Encrypt: SAMPLE.encrypt }, { token: SAMPLE.token, aesKey: SAMPLE.aesKey, appId: SAMPLE.appId }, Number(SAMPLE.timestamp) * 1000 + 600_000, 300_000)),
    ).toMatch(/timestamp is too far/);
  });
});

describe.each(['plain', 'safe'] as const)('message push from WeChat, %s mode', (mode) => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let running: RunningServer<LocalWechat>;
  let secrets: PushSecrets;
  let manager: SeededUser;
  let sales: SeededUser;
  let openid: string;
  const TOKEN = 'push-token-for-tests';

  beforeEach(async () => {
    server = await startTestServer({ WECHAT_PUSH_TOKEN: TOKEN, ...(mode === 'safe' ? { WECHAT_PUSH_AES_KEY: SAMPLE.aesKey } : {}), NOTIFY_POLL_MS: '50' });
    running = server.running;
    secrets = { token: TOKEN, appId: running.config.MINIPROGRAM_APPID as string, ...(mode === 'safe' ? { aesKey: SAMPLE.aesKey } : {}) };
    manager = await seeder(running.db).user('manager');
    sales = await seeder(running.db).user('sales');
    openid = await running.localWechat!.setupUser(sales.id, 0);
  });
  afterEach(() => server.stop());

  async function push(event: Record<string, unknown>, tamper: (push: ReturnType<typeof signedPush>) => void = () => {}) {
    const pushed = signedPush(event, secrets);
    tamper(pushed);
    return { ...(await postPush(running, pushed)), pushed };
  }
  const functionCount = async () => {
    const view = (await (await fetch(`${running.localWechat!.url}/_emulator/subscriptions`)).json()) as { function: Array<{ openid: string; remaining: number; refused: boolean }> };
    return view.function.find((entry) => entry.openid === openid);
  };
  const popup = (...results: string[]) =>
    subscribeEvent(openid, 'subscribe_msg_popup_event', results.length === 1 ? { TemplateId: 'emulator-lead-assigned', SubscribeStatusString: results[0], PopupScene: '0' } : results.map((result) => ({ TemplateId: 'emulator-lead-assigned', SubscribeStatusString: result, PopupScene: '0' })));

  it('reads the push whatever Content-Type WeChat sends it with', async () => {
    const pushed = signedPush(popup('accept'), secrets);
    const answer = await postPush(running, pushed, { contentType: 'text/plain' });

    expect(answer.text).toBe('success');
    expect((await functionCount())?.remaining).toBe(1);
  });

  it("answers WeChat's URL check with echostr, and refuses a wrong signature", async () => {
    const check = signedPush({}, { token: TOKEN, appId: secrets.appId }).query;
    expect(await (await fetch(`${running.url}/wechat/push?${new URLSearchParams({ ...check, echostr: 'echo-123' })}`)).text()).toBe('echo-123');
    expect((await fetch(`${running.url}/wechat/push?${new URLSearchParams({ ...check, signature: 'a'.repeat(40), echostr: 'x' })}`)).status).toBe(403);
  });

  it('accepts count one message each (List as array or object), once: a copy of a push (answered success) and forged ones change nothing', async () => {
    const first = await push(popup('accept', 'reject', 'acceptWithAlert'));
    expect(first).toMatchObject({ status: 200, text: 'success' });
    expect(await functionCount()).toMatchObject({ remaining: 2, refused: false });
    expect((await push(popup('accept'))).status).toBe(200);
    expect((await functionCount())?.remaining).toBe(3);

    // WeChat tries again when it missed the answer: the copy is answered as the first was, and counted no more.
    const copy = await fetch(`${running.url}/wechat/push?${new URLSearchParams(first.pushed.query)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(first.pushed.body),
    });
    expect({ status: copy.status, text: await copy.text() }).toEqual({ status: 200, text: 'success' });
    expect((await push(popup('accept'), (p) => (p.query.signature = 'b'.repeat(40)))).status).toBe(403);
    if (mode === 'safe') {
      expect((await push(popup('accept'), (p) => ((p.query as Record<string, string>).msg_signature = 'c'.repeat(40)))).status).toBe(403);
      // A changed first character (one in 64 bodies already starts with A).
      const corrupt = (body: { Encrypt: string }) => (body.Encrypt = `${body.Encrypt.startsWith('A') ? 'B' : 'A'}${body.Encrypt.slice(1)}`);
      expect((await push(popup('accept'), (p) => corrupt(p.body as { Encrypt: string }))).status).toBe(403);
    } else {
      expect((await push(popup('accept'), (p) => ((p.body as Record<string, unknown>).FromUserName = 'someone-else'))).status).toBe(200);
    }
    expect((await functionCount())?.remaining).toBe(3);
  });

  it.runIf(mode === 'plain')('a replay is known whatever unchecked field is added to its query or body (a plain push signs neither) and changes nothing', async () => {
    const first = await push(popup('accept'));
    expect(first).toMatchObject({ status: 200, text: 'success' });
    const again = async (extra: Record<string, string>, body: unknown) =>
      (
        await fetch(`${running.url}/wechat/push?${new URLSearchParams({ ...first.pushed.query, ...extra })}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).status;

    expect(await again({ msg_signature: 'anything' }, first.pushed.body)).toBe(200);
    expect(await again({}, popup('accept', 'accept', 'accept'))).toBe(200);
    await running.context.pushInbox?.idle();
    expect((await functionCount())?.remaining).toBe(1);
  });

  it('one delivery receipt pushed twice (under a new signature) settles one delivery, not two', async () => {
    await running.localWechat!.setupUser(sales.id, 2);
    running.localWechat!.setFaults({ errorAfterSendRate: 1 });
    const ids: string[] = [];
    const show = async (id: string) => (await (await fetch(`${running.url}/api/notifications/${id}`, { headers: manager.headers })).json()) as { status: string };
    const receipt = () => subscribeEvent(openid, 'subscribe_msg_sent_event', { TemplateId: 'emulator-lead-assigned', MsgID: '1700000000001', ErrorCode: '0', ErrorStatus: 'success' });
    for (const customerId of await seeder(running.db).customers(2)) {
      const assigned = (await (await fetch(`${running.url}/api/customers/${customerId}/assign`, { method: 'POST', headers: manager.headers, body: JSON.stringify({ assigneeId: sales.id }) })).json()) as { notification: { id: string } };
      ids.push(assigned.notification.id);
      await waitFor(() => show(assigned.notification.id), (n) => n.status === 'unconfirmed');
      // The receipt for the first, then the same receipt (its MsgID) again once the second is waiting: by its time it
      // could be the second's, but it is the one already stored.
      expect((await push(receipt())).status).toBe(200);
    }

    expect((await Promise.all(ids.map(show))).map((n) => n.status)).toEqual(['sent', 'unconfirmed']);
  });

  it('a template turned off in the settings: none left, the next lead is skipped without asking WeChat', async () => {
    await push(popup('accept'));
    expect((await push(subscribeEvent(openid, 'subscribe_msg_change_event', { TemplateId: 'emulator-lead-assigned', SubscribeStatusString: 'reject' }))).status).toBe(200);
    expect(await functionCount()).toMatchObject({ remaining: 0, refused: true });

    const [customerId] = await seeder(running.db).customers(1);
    const assigned = (await (await fetch(`${running.url}/api/customers/${customerId}/assign`, { method: 'POST', headers: manager.headers, body: JSON.stringify({ assigneeId: sales.id }) })).json()) as { notification: { id: string } };
    const final = await waitFor(
      async () => (await (await fetch(`${running.url}/api/notifications/${assigned.notification.id}`, { headers: manager.headers })).json()) as { status: string; reason: string },
      (n) => n.status !== 'pending' && n.status !== 'sending',
    );
    expect(final).toMatchObject({ status: 'skipped', reason: 'NO_SUBSCRIPTION' });
    expect(running.localWechat!.messages).toHaveLength(0);
  });

  it("the host mini program's own template counts for nothing here: its acceptance adds no stock and catches nothing up, turning it off turns nothing off", async () => {
    const show = async (id: string) =>
      (await (await fetch(`${running.url}/api/notifications/${id}`, { headers: manager.headers })).json()) as { status: string; reason: string; attemptHistory: unknown[] };
    const reachability = async () => (await (await fetch(`${running.url}/api/users/${sales.id}/reachability`, { headers: manager.headers })).json()) as { acceptancesInStock: number | null; turnedOff: boolean };
    const [customerId] = await seeder(running.db).customers(1);
    const assigned = (await (await fetch(`${running.url}/api/customers/${customerId}/assign`, { method: 'POST', headers: manager.headers, body: JSON.stringify({ assigneeId: sales.id }) })).json()) as { notification: { id: string } };
    expect(await waitFor(() => show(assigned.notification.id), (n) => n.status === 'skipped')).toMatchObject({ reason: 'NO_SUBSCRIPTION' });

    const hostTemplate = (status: string, event = 'subscribe_msg_popup_event') => subscribeEvent(openid, event, { TemplateId: 'host-order-shipped', SubscribeStatusString: status, PopupScene: '0' });
    expect((await push(hostTemplate('accept'))).status).toBe(200);
    expect((await push(hostTemplate('reject', 'subscribe_msg_change_event'))).status).toBe(200);

    expect(await show(assigned.notification.id)).toMatchObject({ status: 'skipped', attemptHistory: [expect.anything()] });
    expect(await reachability()).toMatchObject({ acceptancesInStock: null, turnedOff: false });
    // Our own template's acceptance does count, and catches the lead up (WeChat, which this push did not come from, refuses it again).
    await push(popup('accept'));
    expect(await waitFor(() => show(assigned.notification.id), (n) => n.attemptHistory.length === 2)).toMatchObject({ status: 'skipped' });
  });

  it("WeChat's delivery receipt settles an unconfirmed delivery: confirmed → sent", async () => {
    await running.localWechat!.setupUser(sales.id, 1);
    running.localWechat!.setFaults({ errorAfterSendRate: 1 });
    const [customerId] = await seeder(running.db).customers(1);
    const assigned = (await (await fetch(`${running.url}/api/customers/${customerId}/assign`, { method: 'POST', headers: manager.headers, body: JSON.stringify({ assigneeId: sales.id }) })).json()) as { notification: { id: string } };
    const show = async () => (await (await fetch(`${running.url}/api/notifications/${assigned.notification.id}`, { headers: manager.headers })).json()) as { status: string };
    await waitFor(show, (n) => n.status === 'unconfirmed');

    expect((await push(subscribeEvent(openid, 'subscribe_msg_sent_event', { TemplateId: 'emulator-lead-assigned', MsgID: '1700000000000', ErrorCode: '0', ErrorStatus: 'success' }))).status).toBe(200);

    expect(await show()).toMatchObject({ status: 'sent' });
    expect(running.localWechat!.messages).toHaveLength(1);
  });
});
