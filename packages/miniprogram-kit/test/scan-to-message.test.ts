// @vitest-environment node
// The kit's pages need a DOM, but crm-api and the emulator run in this process too: under the jsdom environment
// axios would pick jsdom's XMLHttpRequest (and CORS) for crm-api's calls to WeChat. So the environment is Node,
// and install-dom.ts puts just what miniprogram-simulate uses on globalThis.
import './install-dom.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { waitFor } from '@leadnotify/test-support';
import { LEAD_TEMPLATES, readQrCode, startLocalWechat, type LocalWechat, type SentMessage } from '@leadnotify/wechat-emulator';
import { createLogger, loadConfig, startServer, type RunningServer } from 'crm-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWxRequest } from '../src/wx/create-wx-request.js';
import { createConnectedWx } from './connected-wx.js';
import { installMiniProgramGlobals } from './fake-wx.js';
import { bodyOf, httpCall, httpJson } from './http-call.js';
import { find, render, tap, textOf, type Rendered } from './render.js';

describe('scan to bind, tap to subscribe, assign, message — through the built kit, crm-api and the emulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kit-e2e-'));
  let running: RunningServer<LocalWechat>;
  let emulator: LocalWechat;
  /** Added to real time on crm-api's clock (the function checks tickets on real time). */
  let offsetMs = 0;
  let admin: { authorization: string };
  let manager: { authorization: string };
  /** The demo's salesperson, bound to the WeChat of READER: the customer pages sign in as them. */
  let sales: { id: string; token: string };
  const READER = 'openid-e2e-reader';

  beforeAll(async () => {
    running = await startServer(
      loadConfig({ DATABASE_URL: join(dir, 'crm.db'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', BINDING_SCENE_TTL_SECONDS: '60' }),
      createLogger('warn', new Writable({ write: (_chunk, _encoding, done) => done() })),
      {
        clock: { now: () => Date.now() + offsetMs },
        // The lead notice as docs/configuration.md recommends: three templates of different titles.
        localWechat: (base) => startLocalWechat({ functionName: base.WECHAT_CLOUD_FUNCTION, templates: LEAD_TEMPLATES }),
      },
    );
    emulator = running.localWechat!;
    // An empty database gets the demo: its admin and manager tokens drive the CRM side.
    const token = (role: string) => ({ authorization: `Bearer ${running.demo!.users.find((user) => user.role === role)!.token}` });
    admin = token('admin');
    manager = token('manager');
    sales = running.demo!.users.find((user) => user.role === 'sales')!;
    await emulator.setupUser(sales.id, 0, READER);
  }, 30_000);

  afterAll(async () => {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    document.body.innerHTML = '';
    offsetMs = 0;
  });

  const api = <T>(method: string, path: string, who: { authorization: string }, json?: unknown) =>
    httpJson<T>(method, `${running.url}${path}`, { headers: who, ...(json === undefined ? {} : { json }) });

  async function newSalesperson(name: string): Promise<string> {
    const created = await api<{ id: string }>('POST', '/api/users', admin, { name, role: 'sales' });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  /** The manager prints a salesperson's code; the phone's camera reads it: the scene the bind page gets. */
  async function bindingCodeOf(userId: string): Promise<string> {
    const png = await httpCall('GET', `${running.url}/api/users/${userId}/wechat-binding-qr`, { headers: manager });
    expect(png.status).toBe(200);
    const text = readQrCode(png.body);
    const scene = new URLSearchParams(text?.split('?')[1] ?? '').get('scene');
    expect(text, 'the code opens the bind page').toMatch(/^leadnotify-emulator:\/\/pages\/bind\/index\?scene=/);
    return scene!;
  }

  /** Opens the built bind page as WeChat does after a scan, on the phone of `openid`, and waits until it has said what happened. */
  async function openBindPage(scene: string, openid: string): Promise<{ page: Rendered; phone: ReturnType<typeof createConnectedWx> }> {
    const phone = createConnectedWx({ emulatorUrl: emulator.url, openid, functionName: running.config.WECHAT_CLOUD_FUNCTION });
    installMiniProgramGlobals(phone.wx, {
      request: createWxRequest(running.url),
      functionName: running.config.WECHAT_CLOUD_FUNCTION,
    });
    const page = render('pages/bind/index');
    // getwxacodeunlimit hands the scene to the page URI-encoded.
    (page.instance as unknown as { onLoad(query: Record<string, string>): void }).onLoad({ scene: encodeURIComponent(scene) });
    await waitFor(() => page.data.working as boolean, (working) => !working, { what: 'the bind page to finish' });
    return { page, phone };
  }

  /**
   * Opens a built customer page as a message link does, on the phone of a WeChat user (by default READER, bound to the
   * demo salesperson): nothing is typed, the page signs in with the WeChat.
   */
  async function openCustomerPage(
    path: string,
    query: Record<string, string>,
    phone = createConnectedWx({ emulatorUrl: emulator.url, openid: READER, functionName: running.config.WECHAT_CLOUD_FUNCTION }),
  ): Promise<Rendered> {
    installMiniProgramGlobals(phone.wx, {
      request: createWxRequest(running.url),
      functionName: running.config.WECHAT_CLOUD_FUNCTION,
    });
    const page = render(path);
    (page.instance as unknown as { onLoad(query: Record<string, string>): void }).onLoad(query);
    await waitFor(() => page.data.loading as boolean, (loading) => !loading, { what: `${path} to load` });
    return page;
  }

  const bindings = async () => (await httpJson<{ items: Array<{ crmUserId: string; openid: string }> }>('GET', `${emulator.url}/_emulator/bindings`)).body.items;
  const messagesTo = async (openid: string) =>
    (await httpJson<{ items: Array<SentMessage & { deliveryId: string }> }>('GET', `${emulator.url}/_emulator/messages?touser=${encodeURIComponent(openid)}`)).body.items;

  it('a salesperson scans their code, taps subscribe once — three templates, three acceptances — and three leads go out at once', async () => {
    const openid = 'openid-e2e-phone';
    const salesId = await newSalesperson('赵六');

    const { page, phone } = await openBindPage(await bindingCodeOf(salesId), openid);

    expect(textOf(page, '.lk-bind__title')).toBe('绑定成功');
    expect(await bindings()).toContainEqual(expect.objectContaining({ crmUserId: salesId, openid }));

    const subscribe = find(page, '.lk-bind__subscribe');
    await waitFor(() => (subscribe.instance as unknown as { data: { templateIds: string[] } }).data.templateIds, (ids) => ids.length === 3, {
      what: 'the button to learn the lead templates from the function',
    });
    await tap(phone.state, find(subscribe, '.lk-subscribe__button'));
    await waitFor(() => phone.state.functionCalls.map((call) => call.type), (types) => types.includes('recordSubscription'), { what: 'the report of the acceptances' });
    await waitFor(() => (subscribe.instance as unknown as { data: { busy: boolean } }).data.busy, (busy) => busy === false, { what: 'the button to settle' });

    expect(textOf(subscribe, '.lk-subscribe__text')).toBe('已订阅 3 条新客户提醒。');
    expect(textOf(subscribe, '.lk-subscribe__stock')).toContain('还能收到 3 条提醒');
    // One dialog asked for the three lead templates; WeChat counted one acceptance of each.
    expect(LEAD_TEMPLATES.map((template) => emulator.acceptancesOf(openid, template.id))).toEqual([1, 1, 1]);
    const results = Object.fromEntries(LEAD_TEMPLATES.map((template) => [template.id, 'accept']));
    // The button signed in with the WeChat just bound as it appeared, to tell the CRM what the phone's settings show;
    // the report of the answers then used that session.
    expect(phone.state.functionCalls.slice(1)).toEqual([{ type: 'subscriptionStatus' }, { type: 'vouchCrmSession' }, { type: 'recordSubscription', results }]);

    const assigned: Array<{ customerId: string; notificationId: string }> = [];
    for (const name of ['端到端一号', '端到端二号', '端到端三号']) {
      const customer = await api<{ id: string }>('POST', '/api/customers', admin, { name });
      const assignment = await api<{ notification: { id: string } }>('POST', `/api/customers/${customer.body.id}/assign`, manager, { assigneeId: salesId });
      expect(assignment.status).toBe(200);
      assigned.push({ customerId: customer.body.id, notificationId: assignment.body.notification.id });
    }

    const messages = await waitFor(() => messagesTo(openid), (items) => items.length >= 3, { what: 'three messages to the phone' });
    expect(messages.map((message) => message.page).sort()).toEqual(
      assigned.map(({ customerId, notificationId }) => `pages/customer/detail?id=${encodeURIComponent(customerId)}&deliveryId=${encodeURIComponent(notificationId)}`).sort(),
    );
    // One message with each template: the tap's three acceptances, all used.
    expect(messages.map((message) => message.templateId).sort()).toEqual(LEAD_TEMPLATES.map((template) => template.id).sort());
    expect(LEAD_TEMPLATES.map((template) => emulator.acceptancesOf(openid, template.id))).toEqual([0, 0, 0]);
  }, 40_000);

  it('when the bind answer is lost (the function bound, the phone never heard), 再试一次 says bound, not "code used"', async () => {
    const openid = 'openid-e2e-lost-answer';
    const salesId = await newSalesperson('丢包');
    const phone = createConnectedWx({ emulatorUrl: emulator.url, openid, functionName: running.config.WECHAT_CLOUD_FUNCTION });
    const real = phone.wx.cloud.callFunction.bind(phone.wx.cloud);
    let lose = true;
    phone.wx.cloud.callFunction = async (call) => {
      const answer = await real(call);
      if (call.data.type === 'bindCrmUser' && lose) {
        lose = false;
        throw { errCode: -1, errMsg: 'cloud.callFunction:fail timeout' };
      }
      return answer;
    };
    installMiniProgramGlobals(phone.wx, { request: createWxRequest(running.url), functionName: running.config.WECHAT_CLOUD_FUNCTION });
    const page = render('pages/bind/index');
    (page.instance as unknown as { onLoad(query: Record<string, string>): void }).onLoad({ scene: encodeURIComponent(await bindingCodeOf(salesId)) });
    await waitFor(() => page.data.working as boolean, (working) => !working, { what: 'the first bind' });
    expect(textOf(page, '.lk-bind__title')).toBe('网络异常');
    const bound = await bindings();
    expect(bound).toContainEqual(expect.objectContaining({ crmUserId: salesId, openid }));

    await tap(phone.state, find(page, '.lk-bind__retry'));
    await waitFor(() => page.data.working as boolean, (working) => !working, { what: 'the retry' });

    expect(textOf(page, '.lk-bind__title')).toBe('绑定成功');
    expect(await bindings()).toEqual(bound);
  });

  it('a code that was never issued says "invalid" and binds nobody', async () => {
    const before = await bindings();

    const { page } = await openBindPage('NotACodeWeIssued', 'openid-e2e-wrong');

    expect(textOf(page, '.lk-bind__title')).toBe('二维码无效');
    expect(page.querySelector('.lk-bind__subscribe')).toBeFalsy();
    expect(await bindings()).toEqual(before);
  });

  it('a code scanned after its lifetime says "expired" and binds nobody', async () => {
    const salesId = await newSalesperson('过期');
    const scene = await bindingCodeOf(salesId);
    const before = await bindings();
    offsetMs = 61_000;

    const { page } = await openBindPage(scene, 'openid-e2e-late');

    expect(textOf(page, '.lk-bind__title')).toBe('二维码已过期');
    expect(await bindings()).toEqual(before);
  });

  it('a code scanned a second time says "used" and leaves the first binding as it is', async () => {
    const salesId = await newSalesperson('用过');
    const scene = await bindingCodeOf(salesId);
    expect(textOf((await openBindPage(scene, 'openid-e2e-first')).page, '.lk-bind__title')).toBe('绑定成功');
    const before = await bindings();

    const { page } = await openBindPage(scene, 'openid-e2e-second');

    expect(textOf(page, '.lk-bind__title')).toBe('二维码已被使用');
    expect(await bindings()).toEqual(before);
    expect(before).toContainEqual(expect.objectContaining({ crmUserId: salesId, openid: 'openid-e2e-first' }));
  });

  it('a WeChat already bound to one salesperson cannot take another\'s code: it says so and nothing moves', async () => {
    const first = await newSalesperson('先绑');
    const second = await newSalesperson('后绑');
    expect(textOf((await openBindPage(await bindingCodeOf(first), 'openid-e2e-shared')).page, '.lk-bind__title')).toBe('绑定成功');
    const before = await bindings();

    const { page } = await openBindPage(await bindingCodeOf(second), 'openid-e2e-shared');

    expect(textOf(page, '.lk-bind__title')).toBe('此微信已绑定其他 CRM 账号');
    expect(await bindings()).toEqual(before);
    expect(before.filter((binding) => binding.crmUserId === second)).toEqual([]);
  });

  it('a WeChat bound to a retired account moves to the new one with one tap on the page, with the code it scanned', async () => {
    const retired = await newSalesperson('旧账号');
    const current = await newSalesperson('新账号');
    const openid = 'openid-e2e-moving';
    expect(textOf((await openBindPage(await bindingCodeOf(retired), openid)).page, '.lk-bind__title')).toBe('绑定成功');
    expect((await api('POST', `/api/users/${retired}/deactivate`, admin)).status).toBe(200);
    document.body.innerHTML = '';
    const { page, phone } = await openBindPage(await bindingCodeOf(current), openid);
    expect(textOf(page, '.lk-bind__title')).toBe('此微信已绑定其他 CRM 账号');

    await tap(phone.state, find(page, '.lk-bind__move'));
    await waitFor(() => page.data.working as boolean, (working) => !working, { what: 'the move' });

    expect(textOf(page, '.lk-bind__title')).toBe('绑定成功');
    const now = await bindings();
    expect(now).toContainEqual(expect.objectContaining({ crmUserId: current, openid }));
    expect(now.filter((binding) => binding.crmUserId === retired)).toEqual([]);
  });

  it('a message about a customer since assigned to someone else opens on "no longer yours", not "deleted"', async () => {
    const other = await newSalesperson('接手');
    const customer = await api<{ id: string }>('POST', '/api/customers', admin, { name: '转手客户' });
    const first = await api<{ notification: { id: string } }>('POST', `/api/customers/${customer.body.id}/assign`, manager, { assigneeId: sales.id });
    expect((await api('POST', `/api/customers/${customer.body.id}/assign`, manager, { assigneeId: other })).status).toBe(200);

    const page = await openCustomerPage('pages/customer/detail', { id: customer.body.id, deliveryId: first.body.notification.id });

    expect(textOf(page, '.lk-customer__error')).toBe('这个客户已不在你名下（可能已分配给他人或被删除）。');
  });

  it("a message's link opens the list on the customers it is about, though the salesperson has more than a page of others", async () => {
    const openid = await emulator.setupUser(sales.id, 2, READER);
    const older: string[] = [];
    for (let index = 0; index < 50; index++) older.push((await api<{ id: string }>('POST', '/api/customers', admin, { name: `老客户${index}` })).body.id);
    expect((await api('POST', '/api/customers/batch-assign', manager, { customerIds: older, assigneeId: sales.id })).status).toBe(200);
    const fresh: string[] = [];
    for (const name of ['新分配甲', '新分配乙']) fresh.push((await api<{ id: string }>('POST', '/api/customers', admin, { name })).body.id);
    const assigned = await api<{ notifications: Array<{ id: string }> }>('POST', '/api/customers/batch-assign', manager, { customerIds: fresh, assigneeId: sales.id });
    const sent = await waitFor(
      () => api<{ status: string; deliveryId: string | null }>('GET', `/api/notifications/${assigned.body.notifications[0]!.id}`, manager),
      (shown) => shown.body.status === 'sent',
      { what: 'the message about the two new customers' },
    );
    const link = (await messagesTo(openid)).find((message) => message.page?.includes(encodeURIComponent(sent.body.deliveryId!)))?.page ?? '';
    expect(link).toMatch(/^pages\/customer\/list\?deliveryId=/);

    const page = await openCustomerPage('pages/customer/list', Object.fromEntries(new URLSearchParams(link.split('?')[1])));

    expect((page.data.items as Array<{ name: string }>).map((item) => item.name)).toEqual(['新分配甲', '新分配乙']);
    expect(textOf(page, '.lk-customers__heading')).toBe('这条提醒里的 2 位客户');
    // Opened without a message, the list starts with the newest customers.
    document.body.innerHTML = '';
    const mine = await openCustomerPage('pages/customer/list', {});
    expect((mine.data.items as Array<{ name: string }>).slice(0, 2).map((item) => item.name)).toEqual(['新分配乙', '新分配甲']);
  }, 60_000);

  it("a bound salesperson opens a message's link and sees the customer: signed in with their WeChat, nothing typed", async () => {
    const openid = 'openid-e2e-signs-in';
    const salesId = await newSalesperson('孙七');
    expect(textOf((await openBindPage(await bindingCodeOf(salesId), openid)).page, '.lk-bind__title')).toBe('绑定成功');
    await emulator.setupUser(salesId, 1, openid);
    const customer = await api<{ id: string }>('POST', '/api/customers', admin, { name: '扫码客户' });
    expect((await api('POST', `/api/customers/${customer.body.id}/assign`, manager, { assigneeId: salesId })).status).toBe(200);
    const [message] = await waitFor(() => messagesTo(openid), (items) => items.length >= 1, { what: 'the message to the phone' });
    document.body.innerHTML = '';
    const phone = createConnectedWx({ emulatorUrl: emulator.url, openid, functionName: running.config.WECHAT_CLOUD_FUNCTION });

    const page = await openCustomerPage(message!.page!.split('?')[0]!, Object.fromEntries(new URLSearchParams(message!.page!.split('?')[1])), phone);

    expect(textOf(page, '.lk-customer__name')).toBe('扫码客户');
    expect(phone.state.functionCalls.map((call) => call.type)).toContain('vouchCrmSession');
    expect(phone.state.requests).toContain(`POST ${running.url}/api/wechat-session`);

    // An admin releases the binding (the salesperson left): the session on the phone ends with it.
    expect((await api('POST', `/api/users/${salesId}/wechat-binding/release`, admin, {})).status).toBe(200);
    document.body.innerHTML = '';
    const again = await openCustomerPage('pages/customer/detail', { id: customer.body.id }, phone);
    expect(textOf(again, '.lk-customer__error')).toBe('这个微信还没有绑定 CRM 账号：请在 CRM 中打开你的“绑定微信”二维码，用微信扫一扫。');
  }, 40_000);

  it('a WeChat user bound to nobody who opens a customer link is told to bind, and reads nothing', async () => {
    const customer = await api<{ id: string }>('POST', '/api/customers', admin, { name: '陌生人看不到' });
    const phone = createConnectedWx({ emulatorUrl: emulator.url, openid: 'openid-e2e-stranger', functionName: running.config.WECHAT_CLOUD_FUNCTION });

    const page = await openCustomerPage('pages/customer/detail', { id: customer.body.id }, phone);

    expect(textOf(page, '.lk-customer__error')).toBe('这个微信还没有绑定 CRM 账号：请在 CRM 中打开你的“绑定微信”二维码，用微信扫一扫。');
    expect(page.dom?.textContent).not.toContain('陌生人看不到');
    expect(phone.state.requests.filter((request) => request.includes('/api/customers'))).toEqual([]);
  });
  it("the console's sign-in code, scanned with the salesperson's bound WeChat and confirmed on the phone, signs the computer in as them", async () => {
    // The computer: the console's sign-in page starts a scan and shows its code.
    const started = await httpJson<{ id: string }>('POST', `${running.url}/api/console/sign-in/scans`, { json: {} });
    expect(started.status).toBe(201);
    const poll = () => httpCall('POST', `${running.url}/api/console/sign-in/scans/${started.body.id}/complete`, { json: {} });
    const png = await httpCall('GET', `${running.url}/api/console/sign-in/scans/${started.body.id}/code`);
    const text = readQrCode(png.body);
    expect(text, 'the code opens the console sign-in page').toMatch(/^leadnotify-emulator:\/\/pages\/console-sign-in\/index\?scene=/);
    const scene = new URLSearchParams(text!.split('?')[1]).get('scene')!;
    expect((await poll()).status).toBe(202);

    // The phone of READER (bound to the demo salesperson) opens the built page as WeChat does after the scan.
    const phone = createConnectedWx({ emulatorUrl: emulator.url, openid: READER, functionName: running.config.WECHAT_CLOUD_FUNCTION });
    installMiniProgramGlobals(phone.wx, { request: createWxRequest(running.url), functionName: running.config.WECHAT_CLOUD_FUNCTION });
    const page = render('pages/console-sign-in/index');
    (page.instance as unknown as { onLoad(query: Record<string, string>): void }).onLoad({ scene: encodeURIComponent(scene) });
    await tap(phone.state, find(page, '.lk-console__confirm'));
    await waitFor(() => page.data.step as string, (step) => step !== 'working' && step !== 'ask', { what: 'the page to confirm' });

    expect(textOf(page, '.lk-console__result')).toBe('已登录，请回到电脑');
    expect(phone.state.functionCalls.map((call) => call.type)).toContain('vouchCrmSession');
    const signedIn = await poll();
    expect(signedIn.status).toBe(200);
    expect((bodyOf(signedIn) as { user: { id: string } }).user.id).toBe(sales.id);
    expect((await poll()).status).toBe(409);
  });
});
