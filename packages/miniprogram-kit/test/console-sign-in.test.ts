import { beforeEach, describe, expect, it } from 'vitest';
import { SESSION_STORAGE_KEY } from '../src/lib/crm-session.js';
import type { KitResponse } from '../src/lib/kit-config.js';
import { createFakeWx, installMiniProgramGlobals } from './fake-wx.js';
import { apiError, fakeRequest, noAnswer } from './fakes.js';
import { find, render, settle, tap, textOf } from './render.js';

const CONFIRM = 'POST /api/console/sign-in/scans/confirm';
const SESSION = 'POST /api/wechat-session';
const SIGNED_IN: KitResponse = { statusCode: 200, data: { token: 'lnk_phone', expiresAt: '2099-01-01T00:00:00.000Z', user: { id: 'u-1', name: '王五', role: 'sales' } } };

/** Opens the page as a scan of the console's code does, on a phone that has not signed in yet. */
function openPage(scene: string | undefined, confirm: KitResponse | Error, vouch: unknown = { ok: true, vouch: 'v1.vouch', crmUserId: 'u-1', expiresAt: '' }) {
  const fake = createFakeWx({ functions: { vouchCrmSession: () => vouch } });
  const host = fakeRequest({ [SESSION]: SIGNED_IN, [CONFIRM]: confirm });
  installMiniProgramGlobals(fake.wx, { request: host.request });
  const page = render('pages/console-sign-in/index');
  (page.instance as unknown as { onLoad(query: Record<string, string>): void }).onLoad(scene === undefined ? {} : { scene: encodeURIComponent(scene) });
  return { fake, host, page };
}

beforeEach(() => {
  document.body.innerHTML = '';
});

describe('console sign-in page', () => {
  it('asks first, and signs the computer in only on 确认登录, with the WeChat session as Bearer', async () => {
    const { fake, host, page } = openPage('cs=Ab3_x', { statusCode: 204, data: '' });
    await settle();
    expect(textOf(page, '.lk-console__question')).toBe('在电脑上登录 CRM 控制台？');
    expect(textOf(page, '.lk-console__confirm')).toBe('确认登录');
    expect(textOf(page, '.lk-console__cancel')).toBe('取消');
    expect(host.calls).toEqual([]);

    await tap(fake.state, find(page, '.lk-console__confirm'));

    expect(host.calls).toEqual([
      { method: 'POST', path: '/api/wechat-session', data: { vouch: 'v1.vouch' } },
      { method: 'POST', path: '/api/console/sign-in/scans/confirm', data: { scene: 'cs=Ab3_x' }, token: 'lnk_phone' },
    ]);
    expect(fake.state.functionCalls.map((call) => call.data)).toEqual([{ type: 'vouchCrmSession' }]);
    expect(textOf(page, '.lk-console__result')).toBe('已登录，请回到电脑');
    expect(page.querySelector('.lk-console__confirm')).toBeFalsy();
    expect(fake.state.storage.get(SESSION_STORAGE_KEY)).toMatchObject({ token: 'lnk_phone' });
  });

  it('取消 asks the CRM nothing and says the computer stays signed out', async () => {
    const { fake, host, page } = openPage('cs=Ab3_x', { statusCode: 204, data: '' });
    await settle();

    await tap(fake.state, find(page, '.lk-console__cancel'));

    expect(host.calls).toEqual([]);
    expect(textOf(page, '.lk-console__result')).toBe('已取消，电脑不会登录。');
  });

  it.each([
    ['410 SCENE_EXPIRED', apiError(410, 'SCENE_EXPIRED'), '二维码已过期，请在电脑上刷新'],
    ['409 SCENE_USED', apiError(409, 'SCENE_USED'), '二维码已失效，请在电脑上刷新后重新扫码。'],
    ['404 SCENE_INVALID', apiError(404, 'SCENE_INVALID'), '这不是 CRM 控制台的登录二维码。'],
    ['404 of a route that is not there', apiError(404, 'ROUTE_NOT_FOUND'), '服务暂时出了问题，请稍后再试。'],
    ['no answer', noAnswer(), '网络异常，请检查网络后再试。'],
  ])('says what the CRM answered: %s', async (_what, answer, text) => {
    const { fake, page } = openPage('cs=Ab3_x', answer);
    await settle();

    await tap(fake.state, find(page, '.lk-console__confirm'));

    expect(textOf(page, '.lk-console__result')).toBe(text);
  });

  it('a WeChat bound to nobody is told to bind, and the CRM is never asked to confirm', async () => {
    const { fake, host, page } = openPage('cs=Ab3_x', { statusCode: 204, data: '' }, { ok: false, error: { code: 'NOT_BOUND', message: 'not bound' } });
    await settle();

    await tap(fake.state, find(page, '.lk-console__confirm'));

    expect(textOf(page, '.lk-console__result')).toBe('这个微信还没有绑定 CRM 账号：请先扫描 CRM 中你的“绑定微信”二维码。');
    expect(host.calls).toEqual([]);
  });

  it('opened without a scene it offers nothing to confirm', async () => {
    const { host, page } = openPage(undefined, { statusCode: 204, data: '' });
    await settle();

    expect(page.querySelector('.lk-console__confirm')).toBeFalsy();
    expect(textOf(page, '.lk-console__result')).toBe('这不是 CRM 控制台的登录二维码。');
    expect(host.calls).toEqual([]);
  });
});
