import { beforeEach, describe, expect, it } from 'vitest';
import { SESSION_STORAGE_KEY } from '../src/lib/crm-session.js';
import { createFakeWx, installMiniProgramGlobals, type FunctionHandler, type SubscribeAnswer } from './fake-wx.js';
import { find, listen, render, settle, tap, textOf } from './render.js';

const TEMPLATES = ['tmpl-lead-assigned', 'tmpl-new-lead', 'tmpl-follow-up'];
const crmCalls: Array<{ method: string; path: string; data?: Record<string, unknown> }> = [];
const request = async (options: { method: string; path: string; data?: Record<string, unknown> }) => {
  crmCalls.push(options);
  return { statusCode: 200, data: { caughtUp: 0 } };
};
const SETTINGS = '/api/me/subscription-settings';
/** What the CRM was told of the subscribe requests, apart from the button's report of the phone's settings. */
const answerReports = () => crmCalls.filter((call) => call.path !== SETTINGS);
const settingsReports = () => crmCalls.filter((call) => call.path === SETTINGS).map((call) => call.data);

/** The function's answer: the lead templates with the caller's stock of each. */
const stock = (counts: number[]) => ({
  ok: true,
  templates: counts.map((remaining, index) => ({ templateId: TEMPLATES[index], remaining, refused: false })),
  remaining: counts.reduce((sum, count) => sum + count, 0),
});

function setup(subscribe: SubscribeAnswer, options: { status?: FunctionHandler; reported?: number[] | Error; kept?: Record<string, string> } = {}) {
  const reported = options.reported ?? [1, 1, 1];
  const fake = createFakeWx({
    subscribe,
    subscriptionsSetting: { mainSwitch: true, itemSettings: options.kept ?? {} },
    functions: {
      subscriptionStatus: options.status ?? (() => stock([1, 1, 0])),
      recordSubscription: () => {
        if (reported instanceof Error) throw reported;
        return stock(reported);
      },
    },
  });
  fake.state.storage.set(SESSION_STORAGE_KEY, { token: 'lnk_session', expiresAt: '2099-01-01T00:00:00.000Z', user: { id: 'u-sales-1', name: '王五', role: 'sales' } });
  installMiniProgramGlobals(fake.wx, { request });
  const button = render('components/subscribe-button/index');
  const events: Array<{ name: string; detail: Record<string, unknown> }> = [];
  for (const name of ['subscribed', 'rejected', 'error']) {
    listen(button, name, (event) => events.push({ name, detail: event.detail }));
  }
  return { fake, button, events };
}

const calls = (fake: ReturnType<typeof createFakeWx>) => fake.state.functionCalls.map((call) => call.data);

describe('subscribe-button', () => {
  beforeEach(() => {
    document.body.innerHTML = '';
    crmCalls.length = 0;
  });

  it('asks the function which templates to offer and shows the stock it counts, inviting three a tap', async () => {
    const { fake, button } = setup({ result: 'accept' });
    await settle();

    expect(calls(fake)).toEqual([{ type: 'subscriptionStatus' }]);
    expect(textOf(button, '.lk-subscribe__stock')).toBe('还能收到 2 条提醒。每条提醒用掉一次订阅；点一次按钮并全部允许，可以攒 3 条。');
  });

  it('one tap asks for all three templates, reports the results and counts three more', async () => {
    const { fake, button, events } = setup({ result: 'accept' }, { reported: [1, 1, 0] });
    await settle();

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(fake.state.subscribeCalls).toEqual([{ tmplIds: TEMPLATES }]);
    const results = { 'tmpl-lead-assigned': 'accept', 'tmpl-new-lead': 'accept', 'tmpl-follow-up': 'accept' };
    expect(calls(fake)).toEqual([{ type: 'subscriptionStatus' }, { type: 'recordSubscription', results }]);
    expect(textOf(button, '.lk-subscribe__text')).toBe('已订阅 3 条新客户提醒。');
    // The function's count (2) does not hold this tap's acceptances yet: 2 before + 3.
    expect(textOf(button, '.lk-subscribe__stock')).toContain('还能收到 5 条提醒。');
    expect(events).toEqual([{ name: 'subscribed', detail: { templateIds: TEMPLATES, outcome: 'ACCEPTED', accepted: 3, remaining: 5, results } }]);
    // And to the CRM, which catches the salesperson up (WeChat may not push every acceptance).
    expect(answerReports()).toEqual([{ method: 'POST', path: '/api/me/subscription-answers', data: { results }, token: 'lnk_session' }]);
  });

  it("tells the CRM which lead templates the phone keeps \"always\" (wx.getSetting's itemSettings), when it appears and again after a dialog changed it", async () => {
    // A template of the host's own kept "always" is not the CRM's business; a kept reject is not "always accept".
    const { fake, button } = setup({ result: 'accept' }, { kept: { 'tmpl-lead-assigned': 'accept', 'tmpl-new-lead': 'reject', 'host-order-shipped': 'accept' } });
    await settle();
    expect(settingsReports()).toEqual([{ mainSwitch: true, always: ['tmpl-lead-assigned'] }]);

    // The user ticks "总是保持以上选择" in the dialog: the next read shows every lead template kept.
    fake.state.subscriptionsSetting.itemSettings = Object.fromEntries(TEMPLATES.map((id) => [id, 'accept']));
    await tap(fake.state, find(button, '.lk-subscribe__button'));
    await settle();
    expect(settingsReports()).toEqual([
      { mainSwitch: true, always: ['tmpl-lead-assigned'] },
      { mainSwitch: true, always: TEMPLATES },
    ]);

    // Nothing changed: nothing sent again.
    await tap(fake.state, find(button, '.lk-subscribe__button'));
    await settle();
    expect(settingsReports()).toHaveLength(2);
  });

  it('tells the CRM when the phone has every subscribe message off (mainSwitch false)', async () => {
    const { fake } = setup({ result: 'accept' });
    fake.state.subscriptionsSetting.mainSwitch = false;
    await settle();

    expect(settingsReports()).toEqual([{ mainSwitch: false, always: [] }]);
  });

  it.each(['acceptWithAudio', 'acceptWithAlert'])('%s counts as an acceptance', async (result) => {
    const { fake, button, events } = setup({ result });
    await settle();

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__text')).toBe('已订阅 3 条新客户提醒。');
    expect(events).toMatchObject([{ name: 'subscribed', detail: { accepted: 3 } }]);
  });

  it('a count from the function above the tap\'s own shows the function\'s (pushes of earlier taps)', async () => {
    const { fake, button, events } = setup({ result: 'accept' }, { reported: [4, 3, 3] });
    await settle();

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__stock')).toContain('还能收到 10 条提醒。');
    expect(events.map((event) => event.detail.remaining)).toEqual([10]);
  });

  it('when the report fails, it still counts the acceptances WeChat made', async () => {
    const { fake, button, events } = setup({ result: 'accept' }, { reported: new Error('cloud.callFunction:fail network') });
    await settle();

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__stock')).toContain('还能收到 5 条提醒。');
    expect(events[0]).toMatchObject({ name: 'subscribed', detail: { remaining: 5 } });
  });

  it('tells a user who has not kept the templates "always" how to: tick 总是保持以上选择, and ordinary taps keep reminders coming', async () => {
    const { button } = setup({ result: 'accept' }, { kept: { 'tmpl-lead-assigned': 'accept' } });
    await settle();

    expect(textOf(button, '.lk-subscribe__always')).toBe(
      '不想每次都来点这个按钮？在弹窗里勾选“总是保持以上选择，不再询问”再点“允许”，之后你在小程序里打开客户、查看列表时，都会自动续上提醒。',
    );
  });

  it('tells a user who kept every lead template "always" that their taps top up', async () => {
    const { fake, button } = setup({ result: 'accept' }, { kept: Object.fromEntries(TEMPLATES.map((id) => [id, 'accept'])) });
    await settle();

    expect(textOf(button, '.lk-subscribe__always')).toBe('已开启自动续订：你在小程序里打开客户、查看列表时，都会自动续上提醒，不再弹窗。');
    expect(fake.state.storage.get('leadnotify-top-up')).toEqual({ templateIds: TEMPLATES, always: true, functionName: 'quickstartFunctions' });
  });

  it('says plainly when no reminder is left', async () => {
    const { button } = setup({ result: 'accept' }, { status: () => stock([0, 0, 0]) });
    await settle();

    expect(textOf(button, '.lk-subscribe__stock')).toBe('提醒已经用完：新分给你的客户不会再通知你。每条提醒用掉一次订阅；点一次按钮并全部允许，可以攒 3 条。');
  });

  it('on reject it says how to subscribe later, emits rejected and reports nothing', async () => {
    const { fake, button, events } = setup({ result: 'reject' });
    await settle();

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__text')).toBe('你没有同意这次订阅，所以收不到新客户提醒。需要时再点一次按钮即可。');
    expect(events).toMatchObject([{ name: 'rejected', detail: { templateIds: TEMPLATES, outcome: 'REJECTED', accepted: 0, remaining: 2 } }]);
    expect(calls(fake)).toEqual([{ type: 'subscriptionStatus' }]);
    expect(answerReports()).toEqual([]);
  });

  it.each([
    ['ban', 'BANNED', '这个提醒模板已被微信停用，暂时无法订阅，请联系管理员。'],
    ['filter', 'FILTERED', '这个提醒模板被微信过滤了（可能与其他模板同名），请联系管理员。'],
  ])('on %s of every template it tells the user to ask an admin and emits error', async (result, outcome, text) => {
    const { fake, button, events } = setup({ result });
    await settle();

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__text')).toBe(text);
    expect(events).toMatchObject([{ name: 'error', detail: { outcome, accepted: 0, remaining: 2 } }]);
    expect(calls(fake)).toEqual([{ type: 'subscriptionStatus' }]);
  });

  it('when the main switch is off (20004) it guides the user and its 去设置 button opens the settings', async () => {
    const { fake, button, events } = setup({ fail: { errCode: 20004, errMsg: 'requestSubscribeMessage:fail:the main switch is switched off' } });
    await settle();

    await tap(fake.state, find(button, '.lk-subscribe__button'));
    expect(textOf(button, '.lk-subscribe__text')).toContain('关闭了本小程序的订阅消息总开关');
    expect(events).toEqual([
      {
        name: 'error',
        detail: { templateIds: TEMPLATES, outcome: 'SWITCH_OFF', accepted: 0, remaining: 2, errCode: 20004, errMsg: 'requestSubscribeMessage:fail:the main switch is switched off' },
      },
    ]);

    await tap(fake.state, find(button, '.lk-subscribe__settings'));
    expect(fake.state.openSettingCalls).toBe(1);
  });

  it('no settings button for other outcomes', async () => {
    const { fake, button } = setup({ result: 'reject' });
    await settle();
    await tap(fake.state, find(button, '.lk-subscribe__button'));
    expect(button.querySelector('.lk-subscribe__settings')).toBeFalsy();
  });

  it('any other fail code is shown as a failure with its code in the event', async () => {
    const { fake, button, events } = setup({ fail: { errCode: 20001, errMsg: 'requestSubscribeMessage:fail No template data return' } });
    await settle();

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__text')).toBe('订阅没有成功，请稍后再点一次。');
    expect(events).toMatchObject([{ name: 'error', detail: { outcome: 'FAILED', errCode: 20001 } }]);
  });

  it('the fake refuses a call made outside a tap, as WeChat does', async () => {
    const { fake, button, events } = setup({ result: 'accept' });
    await settle();

    (button.instance as unknown as { onTap(): void }).onTap();
    await settle();

    expect(fake.state.subscribeCalls).toHaveLength(1);
    expect(events).toMatchObject([{ name: 'error', detail: { outcome: 'FAILED', errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' } }]);
    expect(calls(fake)).toEqual([{ type: 'subscriptionStatus' }]);
  });

  it('while the templates are not known yet a tap opens no dialog, says to tap again and asks the function once more', async () => {
    let answers = 0;
    const flaky: FunctionHandler = () => {
      answers++;
      if (answers === 1) throw { errCode: -1, errMsg: 'cloud.callFunction:fail request:fail timeout' };
      return stock([0, 0, 0]);
    };
    const { fake, button } = setup({ result: 'accept' }, { status: flaky });
    await settle();

    await tap(fake.state, find(button, '.lk-subscribe__button'));
    expect(fake.state.subscribeCalls).toEqual([]);
    expect(textOf(button, '.lk-subscribe__text')).toBe('正在准备订阅，请稍后再点一次。');

    await tap(fake.state, find(button, '.lk-subscribe__button'));
    expect(fake.state.subscribeCalls).toEqual([{ tmplIds: TEMPLATES }]);
    expect(calls(fake).map((call) => call.type)).toEqual(['subscriptionStatus', 'subscriptionStatus', 'recordSubscription']);
  });

  it('without the host config it asks nothing of WeChat and emits error', async () => {
    const fake = createFakeWx();
    installMiniProgramGlobals(fake.wx, undefined);
    const button = render('components/subscribe-button/index');
    const events: unknown[] = [];
    listen(button, 'error', (event) => events.push(event.detail));

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(fake.state.subscribeCalls).toEqual([]);
    expect(events).toMatchObject([{ code: 'KIT_NOT_CONFIGURED' }]);
  });
});
