import { beforeEach, describe, expect, it } from 'vitest';
import { SESSION_STORAGE_KEY } from '../src/lib/crm-session.js';
import type { KitResponse } from '../src/lib/kit-config.js';
import { createFakeWx, installMiniProgramGlobals, type FunctionHandler } from './fake-wx.js';
import { apiError, CUSTOMER, fakeRequest, noAnswer } from './fakes.js';
import { find, render, settle, tap, textOf } from './render.js';

const TEMPLATE = 'tmpl-lead-assigned';
const SIGNED_IN = { token: 'lnk_session', expiresAt: '2099-01-01T00:00:00.000Z', user: { id: 'u-sales-1', name: '王五', role: 'sales' } };
const EXCHANGE = 'POST /api/wechat-binding/scene/exchange';
const BOUND: FunctionHandler = () => ({ ok: true, crmUserId: 'u-sales-1', boundAt: '2026-11-25T02:30:00.000Z' });
const bindFails = (code: string): FunctionHandler => () => ({ ok: false, error: { code, message: `test ${code}` } });

/** The subscribe button on a page asks the function for the lead templates and the stock. */
const SUBSCRIPTION_STATUS: FunctionHandler = () => ({ ok: true, templates: [{ templateId: TEMPLATE, remaining: 0, refused: false }], remaining: 0 });

function openPage(
  path: string,
  query: Record<string, string>,
  routes: Record<string, KitResponse | Error>,
  functions: Record<string, FunctionHandler> = {},
  kept: Record<string, string> = {},
) {
  const fake = createFakeWx({ functions: { subscriptionStatus: SUBSCRIPTION_STATUS, ...functions }, subscriptionsSetting: { mainSwitch: true, itemSettings: kept } });
  const host = fakeRequest(routes);
  // Signed in already: how a page signs in is crm-session.test.ts's and console-sign-in.test.ts's subject.
  fake.state.storage.set(SESSION_STORAGE_KEY, SIGNED_IN);
  installMiniProgramGlobals(fake.wx, { request: host.request });
  const page = render(path);
  (page.instance as unknown as { onLoad(query: Record<string, string>): void }).onLoad(query);
  return { fake, host, page };
}

beforeEach(() => {
  document.body.innerHTML = '';
});

describe('bind page', () => {
  it('exchanges the scene, binds with the ticket, says so and offers the subscribe button', async () => {
    const { fake, host, page } = openPage(
      'pages/bind/index',
      { scene: encodeURIComponent('b=Q7x_9') },
      { [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.ticket' } } },
      { bindCrmUser: BOUND },
    );
    await settle();

    expect(host.calls).toEqual([{ method: 'POST', path: '/api/wechat-binding/scene/exchange', data: { scene: 'b=Q7x_9' } }]);
    expect(fake.state.functionCalls).toEqual([
      { name: 'quickstartFunctions', data: { type: 'bindCrmUser', ticket: 'v1.ticket' } },
      { name: 'quickstartFunctions', data: { type: 'subscriptionStatus' } },
      // The button signs in as the WeChat just bound to tell the CRM what the phone's settings show.
      { name: 'quickstartFunctions', data: { type: 'vouchCrmSession' } },
    ]);
    expect(textOf(page, '.lk-bind__title')).toBe('绑定成功');
    expect(textOf(page, '.lk-bind__detail')).toBe('有新客户分配给你时，会通过微信服务通知提醒你。');
    expect(page.querySelector('.lk-bind__retry')).toBeFalsy();

    const button = find(find(page, '.lk-bind__subscribe'), '.lk-subscribe__button');
    await tap(fake.state, button);
    expect(fake.state.subscribeCalls).toEqual([{ tmplIds: [TEMPLATE] }]);
  });

  it.each([
    ['the exchange says SCENE_EXPIRED', { [EXCHANGE]: apiError(410, 'SCENE_EXPIRED') }, BOUND, '二维码已过期', '请在 CRM 中重新生成绑定二维码，再用微信扫一扫。'],
    ['the exchange says SCENE_USED', { [EXCHANGE]: apiError(409, 'SCENE_USED') }, BOUND, '二维码已被使用', '每个绑定二维码只能用一次。请在 CRM 中重新生成绑定二维码。'],
    ['the exchange says SCENE_INVALID', { [EXCHANGE]: apiError(404, 'SCENE_INVALID') }, BOUND, '二维码无效', '请扫描 CRM 中“绑定微信”显示的二维码。'],
    ['the function says TICKET_EXPIRED', { [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.t' } } }, bindFails('TICKET_EXPIRED'), '二维码已过期', '请在 CRM 中重新生成绑定二维码，再用微信扫一扫。'],
    ['the function says TICKET_USED', { [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.t' } } }, bindFails('TICKET_USED'), '二维码已被使用', '每个绑定二维码只能用一次。请在 CRM 中重新生成绑定二维码。'],
    ['the function says TICKET_INVALID', { [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.t' } } }, bindFails('TICKET_INVALID'), '二维码无效', '请扫描 CRM 中“绑定微信”显示的二维码。'],
  ])('when %s it says so, without retry, move or subscribe button', async (_name, routes, bind, title, detail) => {
    const { page } = openPage('pages/bind/index', { scene: 'S1' }, routes, { bindCrmUser: bind });
    await settle();

    expect(textOf(page, '.lk-bind__title')).toBe(title);
    expect(textOf(page, '.lk-bind__detail')).toBe(detail);
    expect(page.querySelector('.lk-bind__retry')).toBeFalsy();
    expect(page.querySelector('.lk-bind__move')).toBeFalsy();
    expect(page.querySelector('.lk-bind__subscribe')).toBeFalsy();
  });

  it('a WeChat bound to another CRM account is offered the move: one tap unbinds it and binds with the same ticket', async () => {
    let bound = false;
    const bindCrmUser: FunctionHandler = (data) => (bound ? BOUND(data) : bindFails('OPENID_BOUND_ELSEWHERE')(data));
    const unbindCrmUser: FunctionHandler = () => {
      bound = true;
      return { ok: true, unbound: true };
    };
    const { fake, host, page } = openPage('pages/bind/index', { scene: 'S1' }, { [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.t' } } }, { bindCrmUser, unbindCrmUser });
    await settle();
    expect(textOf(page, '.lk-bind__title')).toBe('此微信已绑定其他 CRM 账号');
    expect(textOf(page, '.lk-bind__detail')).toBe('一个微信只能绑定一个 CRM 账号。点“解除原绑定并绑定此账号”即可改绑，原账号将不再通过此微信收到提醒。');
    expect(page.querySelector('.lk-bind__retry')).toBeFalsy();

    await tap(fake.state, find(page, '.lk-bind__move'));

    expect(textOf(page, '.lk-bind__title')).toBe('绑定成功');
    expect(page.querySelector('.lk-bind__move')).toBeFalsy();
    // The CRM learns of the unbinding from the kit: the sessions as the old account end before it.
    expect(host.calls).toEqual([
      { method: 'POST', path: '/api/wechat-binding/scene/exchange', data: { scene: 'S1' } },
      { method: 'POST', path: '/api/wechat-session/end', data: {}, token: 'lnk_session' },
    ]);
    expect(fake.state.storage.has(SESSION_STORAGE_KEY)).toBe(false);
    expect(fake.state.functionCalls.map((call) => call.data)).toEqual([
      { type: 'bindCrmUser', ticket: 'v1.t' },
      { type: 'unbindCrmUser' },
      { type: 'bindCrmUser', ticket: 'v1.t' },
      { type: 'subscriptionStatus' },
      { type: 'vouchCrmSession' },
    ]);
  });

  it('a page opened without a scene says the code is invalid and asks nobody', async () => {
    const { fake, host, page } = openPage('pages/bind/index', {}, {}, { bindCrmUser: BOUND });
    await settle();

    expect(textOf(page, '.lk-bind__title')).toBe('二维码无效');
    expect(host.calls).toEqual([]);
    expect(fake.state.functionCalls).toEqual([]);
  });

  it('a function error the user cannot fix is "try later" with a retry', async () => {
    const { page } = openPage('pages/bind/index', { scene: 'S1' }, { [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.t' } } }, { bindCrmUser: bindFails('CONFIG_INVALID') });
    await settle();

    expect(textOf(page, '.lk-bind__title')).toBe('暂时无法绑定');
    expect(textOf(page, '.lk-bind__retry')).toBe('再试一次');
  });

  it('on a network failure it says so; 再试一次 binds with the ticket it already has', async () => {
    let attempts = 0;
    const flaky: FunctionHandler = (data) => {
      attempts++;
      if (attempts === 1) throw { errCode: -1, errMsg: 'cloud.callFunction:fail request:fail timeout' };
      return BOUND(data);
    };
    const { fake, host, page } = openPage('pages/bind/index', { scene: 'S1' }, { [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.t' } } }, { bindCrmUser: flaky });
    await settle();

    expect(textOf(page, '.lk-bind__title')).toBe('网络异常');
    expect(textOf(page, '.lk-bind__detail')).toBe('没有连上服务器，请检查网络后再试一次。');

    await tap(fake.state, find(page, '.lk-bind__retry'));

    expect(textOf(page, '.lk-bind__title')).toBe('绑定成功');
    expect(host.calls).toHaveLength(1);
    expect(fake.state.functionCalls.map((call) => call.data)).toEqual([
      { type: 'bindCrmUser', ticket: 'v1.t' },
      { type: 'bindCrmUser', ticket: 'v1.t' },
      { type: 'subscriptionStatus' },
      { type: 'vouchCrmSession' },
    ]);
  });

  it('two taps on 再试一次 before the view hid it make one attempt', async () => {
    const routes = { [EXCHANGE]: noAnswer() as KitResponse | Error };
    const { fake, host, page } = openPage('pages/bind/index', { scene: 'S1' }, routes, { bindCrmUser: BOUND });
    await settle();
    expect(textOf(page, '.lk-bind__title')).toBe('网络异常');
    routes[EXCHANGE] = { statusCode: 200, data: { ticket: 'v1.t' } };

    const retry = page.instance as unknown as { onRetry(): void };
    retry.onRetry();
    retry.onRetry();
    await settle();

    expect(host.calls).toHaveLength(2); // the exchange on load, and one on retry
    expect(fake.state.functionCalls.map((call) => call.data.type)).toEqual(['bindCrmUser', 'subscriptionStatus', 'vouchCrmSession']);
    expect(textOf(page, '.lk-bind__title')).toBe('绑定成功');
  });

  it('when the CRM does not answer it says network error', async () => {
    const { page } = openPage('pages/bind/index', { scene: 'S1' }, { [EXCHANGE]: noAnswer() }, { bindCrmUser: BOUND });
    await settle();
    expect(textOf(page, '.lk-bind__title')).toBe('网络异常');
  });
});

describe('customer detail page', () => {
  it('reads the customer named in the message through the host request function', async () => {
    const { host, page } = openPage('pages/customer/detail', { id: 'c-1', deliveryId: 'd-42' }, { 'GET /api/customers/c-1': { statusCode: 200, data: CUSTOMER } });
    await settle();

    expect(host.calls).toEqual([{ method: 'GET', path: '/api/customers/c-1', token: 'lnk_session' }]);
    expect(textOf(page, '.lk-customer__name')).toBe('阿里巴巴');
    expect(page.dom?.textContent).toContain('公司：阿里巴巴集团');
    expect(page.dom?.textContent).toContain('状态：新客户');
    expect(page.dom?.textContent).toContain('分配时间：2026-11-25 10:30');
    expect(page.data).toMatchObject({ id: 'c-1', deliveryId: 'd-42' });
  });

  it('where a message brings the salesperson, the subscribe button is at hand and says plainly that no reminder is left', async () => {
    const { fake, page } = openPage('pages/customer/detail', { id: 'c-1', deliveryId: 'd-42' }, { 'GET /api/customers/c-1': { statusCode: 200, data: CUSTOMER } });
    await settle();

    const button = find(page, '.lk-customer__subscribe');
    expect(textOf(button, '.lk-subscribe__stock')).toBe('提醒已经用完：新分给你的客户不会再通知你。每条提醒会用掉一次订阅，多点几次可以多攒几条。');
    await tap(fake.state, find(button, '.lk-subscribe__button'));
    expect(fake.state.subscribeCalls).toEqual([{ tmplIds: [TEMPLATE] }]);
  });

  it('the phone is a tap away from a call; a masked one is only shown', async () => {
    const full = openPage('pages/customer/detail', { id: 'c-1' }, { 'GET /api/customers/c-1': { statusCode: 200, data: CUSTOMER } });
    await settle();
    await tap(full.fake.state, find(full.page, '.lk-customer__phone'));
    expect(full.fake.state.phoneCalls).toEqual(['13800000000']);

    const masked = openPage('pages/customer/detail', { id: 'c-1' }, { 'GET /api/customers/c-1': { statusCode: 200, data: { ...CUSTOMER, phone: '138****0000' } } });
    await settle();
    expect(masked.page.dom?.querySelector('.lk-customer__phone')).toBeNull();
    expect(masked.page.dom?.textContent).toContain('电话：138****0000');
  });

  it.each([
    [apiError(404, 'CUSTOMER_NOT_FOUND'), '这个客户已不在你名下（可能已分配给他人或被删除）。'],
    [apiError(403, 'FORBIDDEN'), '你的 CRM 账号无权查看，请联系管理员。'],
    [noAnswer(), '网络异常，请检查网络后下拉刷新。'],
  ])('says why it cannot show the customer (%#)', async (answer, text) => {
    const { page } = openPage('pages/customer/detail', { id: 'c-1' }, { 'GET /api/customers/c-1': answer });
    await settle();
    expect(textOf(page, '.lk-customer__error')).toBe(text);
  });
});

describe('customer list page', () => {
  const notification = (createdAt: string, customers: Array<{ id: string; name: string; company?: string }>) => ({
    id: `n-${createdAt}`,
    status: 'sent',
    createdAt,
    deliveryId: 'd-7',
    customers: customers.map((customer) => ({ company: null, phone: null, source: null, ...customer })),
  });

  it("a message's link shows the customers of that message, as it listed them, and opens one on tap", async () => {
    const { fake, host, page } = openPage(
      'pages/customer/list',
      { deliveryId: 'd-7' },
      {
        'GET /api/notifications?deliveryId=d-7&limit=200': {
          statusCode: 200,
          data: {
            items: [
              notification('2026-11-25T02:31:00.000Z', [{ id: 'c-3', name: '百度' }, { id: 'c-1', name: '阿里巴巴' }]),
              notification('2026-11-25T02:30:00.000Z', [{ id: 'c-1', name: '阿里巴巴', company: '阿里巴巴集团' }, { id: 'c-2', name: '腾讯' }]),
            ],
          },
        },
      },
    );
    await settle();

    expect(host.calls.map((call) => `${call.method} ${call.path}`)).toEqual(['GET /api/notifications?deliveryId=d-7&limit=200']);
    expect(textOf(page, '.lk-customers__heading')).toBe('这条提醒里的 3 位客户');
    expect(page.querySelectorAll('.lk-customers__name').map((node) => node.dom?.textContent?.trim())).toEqual(['阿里巴巴', '腾讯', '百度']);
    expect(textOf(page, '.lk-customers__meta')).toMatch(/^阿里巴巴集团\s+2026-11-25 10:30$/);

    await tap(fake.state, find(page, '.lk-customers__item'));
    expect(fake.state.navigations).toEqual(['/pages/customer/detail?id=c-1']);
  });

  it('a link whose delivery the user has no notification of falls back to their customers, newest first', async () => {
    const { host, page } = openPage(
      'pages/customer/list',
      { deliveryId: 'd-old' },
      {
        'GET /api/notifications?deliveryId=d-old&limit=200': { statusCode: 200, data: { items: [] } },
        'GET /api/me': { statusCode: 200, data: { id: 'u-sales-1' } },
        'GET /api/customers?ownerId=u-sales-1&order=newest&limit=50': { statusCode: 200, data: { items: [CUSTOMER], nextCursor: null } },
      },
    );
    await settle();

    expect(host.calls.map((call) => call.path)).toEqual(['/api/notifications?deliveryId=d-old&limit=200', '/api/me', '/api/customers?ownerId=u-sales-1&order=newest&limit=50']);
    expect(page.querySelector('.lk-customers__heading')).toBeFalsy();
    expect(textOf(page, '.lk-customers__name')).toBe('阿里巴巴');
  });

  it('without a deliveryId lists my customers, newest first, through the host request function and opens one on tap', async () => {
    const { fake, host, page } = openPage(
      'pages/customer/list',
      {},
      {
        'GET /api/me': { statusCode: 200, data: { id: 'u-sales-1', name: '小王', role: 'sales' } },
        'GET /api/customers?ownerId=u-sales-1&order=newest&limit=50': { statusCode: 200, data: { items: [CUSTOMER, { ...CUSTOMER, id: 'c-2', name: '腾讯' }], nextCursor: null } },
      },
    );
    await settle();

    expect(host.calls.map((call) => `${call.method} ${call.path}`)).toEqual(['GET /api/me', 'GET /api/customers?ownerId=u-sales-1&order=newest&limit=50']);
    const names = page.querySelectorAll('.lk-customers__name').map((node) => node.dom?.textContent?.trim());
    expect(names).toEqual(['阿里巴巴', '腾讯']);

    await tap(fake.state, find(page, '.lk-customers__item'));
    expect(fake.state.navigations).toEqual(['/pages/customer/detail?id=c-1']);
  });

  it('offers the subscribe button with the stock under the list', async () => {
    const { page } = openPage('pages/customer/list', {}, {});
    await settle();

    expect(textOf(find(page, '.lk-customers__subscribe'), '.lk-subscribe__stock')).toContain('提醒已经用完');
  });

  it('says so when the list is empty, and when the user is not signed in', async () => {
    const empty = openPage('pages/customer/list', {}, {
      'GET /api/me': { statusCode: 200, data: { id: 'u-1' } },
      'GET /api/customers?ownerId=u-1&order=newest&limit=50': { statusCode: 200, data: { items: [], nextCursor: null } },
    });
    await settle();
    expect(textOf(empty.page, '.lk-customers__hint')).toBe('你名下还没有客户。');

    // The session was ended on the CRM and the WeChat is no longer bound: signing in again is refused.
    const signedOut = openPage('pages/customer/list', {}, { 'GET /api/me': apiError(401, 'UNAUTHENTICATED') }, { vouchCrmSession: () => ({ ok: false, error: { code: 'NOT_BOUND', message: 'test' } }) });
    await settle();
    expect(textOf(signedOut.page, '.lk-customers__error')).toBe('这个微信还没有绑定 CRM 账号：请在 CRM 中打开你的“绑定微信”二维码，用微信扫一扫。');
  });
});

describe('silent top-up: ordinary taps keep the reminders of a user who kept the templates "always"', () => {
  const ALWAYS = { [TEMPLATE]: 'accept' };
  const RECORDED: FunctionHandler = () => ({ ok: true, templates: [{ templateId: TEMPLATE, remaining: 0, refused: false }], remaining: 0 });
  const LIST = { 'GET /api/me': { statusCode: 200, data: { id: 'u-sales-1', name: '张三', role: 'sales' } }, 'GET /api/customers?ownerId=u-sales-1&order=newest&limit=50': { statusCode: 200, data: { items: [CUSTOMER], nextCursor: null } } };

  it.each([
    ['opening a customer from the list', 'pages/customer/list', {}, LIST, '.lk-customers__item'],
    ['我的客户 on the page a message opened', 'pages/customer/detail', { id: 'c-1' }, { 'GET /api/customers/c-1': { statusCode: 200, data: CUSTOMER } }, '.lk-customer__list'],
  ] as const)('%s asks for the templates (WeChat shows no dialog) and reports the result as a hint', async (_name, path, query, routes, target) => {
    const { fake, host, page } = openPage(path, query, { ...routes, 'POST /api/me/subscription-answers': { statusCode: 200, data: { caughtUp: 0 } } }, { recordSubscription: RECORDED }, ALWAYS);
    await settle();

    await tap(fake.state, find(page, target));

    expect(fake.state.subscribeCalls).toEqual([{ tmplIds: [TEMPLATE] }]);
    expect(fake.state.functionCalls.map((call) => call.data)).toContainEqual({ type: 'recordSubscription', results: { [TEMPLATE]: 'accept' } });
    expect(host.calls).toContainEqual({ method: 'POST', path: '/api/me/subscription-answers', data: { results: { [TEMPLATE]: 'accept' } }, token: 'lnk_session' });
    expect(fake.state.navigations).toHaveLength(1);
  });

  it('the bind page\'s 完成 tops up and goes on to the customers', async () => {
    const { fake, page } = openPage('pages/bind/index', { scene: 'S1' }, { [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.t' } } }, { bindCrmUser: BOUND, recordSubscription: RECORDED }, ALWAYS);
    await settle();

    await tap(fake.state, find(page, '.lk-bind__done'));

    expect(fake.state.subscribeCalls).toEqual([{ tmplIds: [TEMPLATE] }]);
    expect(fake.state.navigations).toEqual(['reLaunch /pages/customer/list']);
  });

  it('for a user who has not kept them "always" the same taps ask nothing: a dialog on every tap would be a nuisance', async () => {
    const { fake, page } = openPage('pages/customer/list', {}, LIST, { recordSubscription: RECORDED });
    await settle();

    await tap(fake.state, find(page, '.lk-customers__item'));

    expect(fake.state.subscribeCalls).toEqual([]);
    expect(fake.state.navigations).toEqual(['/pages/customer/detail?id=c-1']);
  });
});
