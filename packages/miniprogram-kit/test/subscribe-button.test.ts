import { beforeEach, describe, expect, it } from 'vitest';
import { createFakeWx, installMiniProgramGlobals, type SubscribeAnswer } from './fake-wx.js';
import { find, listen, render, settle, tap, textOf } from './render.js';

const TEMPLATE = 'tmpl-lead-assigned';
const request = async () => ({ statusCode: 200, data: null });

function setup(subscribe: SubscribeAnswer, remainingFromFunction: number | Error = 3) {
  const fake = createFakeWx({
    subscribe,
    functions: {
      recordSubscription: () => {
        if (remainingFromFunction instanceof Error) throw remainingFromFunction;
        return { ok: true, templateId: TEMPLATE, remaining: remainingFromFunction };
      },
    },
  });
  installMiniProgramGlobals(fake.wx, { request, templateId: TEMPLATE });
  const button = render('components/subscribe-button/index', { remaining: 2 });
  const events: Array<{ name: string; detail: Record<string, unknown> }> = [];
  for (const name of ['subscribed', 'rejected', 'error']) {
    listen(button, name, (event) => events.push({ name, detail: event.detail }));
  }
  return { fake, button, events };
}

describe('subscribe-button', () => {
  beforeEach(() => {
    document.body.innerHTML = '';
  });

  it('shows the stock the host set and invites more taps', () => {
    const { button } = setup({ result: 'accept' });
    expect(textOf(button, '.lk-subscribe__stock')).toBe('还能收到 2 条提醒。每条提醒会用掉一次订阅，多点几次可以多攒几条。');
  });

  it.each(['accept', 'acceptWithAudio', 'acceptWithAlert'])(
    'on %s it reports the acceptance to the function and shows the count the function returns',
    async (result) => {
      const { fake, button, events } = setup({ result }, 3);

      await tap(fake.state, find(button, '.lk-subscribe__button'));

      expect(fake.state.subscribeCalls).toEqual([{ tmplIds: [TEMPLATE] }]);
      expect(fake.state.functionCalls).toEqual([
        { name: 'quickstartFunctions', data: { type: 'recordSubscription', templateId: TEMPLATE, accepted: true } },
      ]);
      expect(textOf(button, '.lk-subscribe__text')).toBe('已订阅一次新客户提醒。');
      expect(textOf(button, '.lk-subscribe__stock')).toContain('还能收到 3 条提醒。');
      expect(events).toEqual([{ name: 'subscribed', detail: { templateId: TEMPLATE, outcome: 'ACCEPTED', remaining: 3, result } }]);
    },
  );

  it('after one accepted tap with no count known, it shows 1: the function answers the count before this acceptance', async () => {
    const { fake, events } = setup({ result: 'accept' }, 0);
    const button = render('components/subscribe-button/index');
    listen(button, 'subscribed', (event) => events.push({ name: 'subscribed', detail: event.detail }));

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__stock')).toBe('还能收到 1 条提醒。每条提醒会用掉一次订阅，多点几次可以多攒几条。');
    expect(events).toMatchObject([{ name: 'subscribed', detail: { remaining: 1 } }]);
  });

  it('a count from the function below the previous count + 1 does not hide this acceptance', async () => {
    const { fake, button, events } = setup({ result: 'accept' }, 2);

    await tap(fake.state, find(button, '.lk-subscribe__button'));
    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__stock')).toContain('还能收到 4 条提醒。');
    expect(events.map((event) => event.detail.remaining)).toEqual([3, 4]);
  });

  it('when the report fails, it still counts the acceptance WeChat made', async () => {
    const { fake, button, events } = setup({ result: 'accept' }, new Error('cloud.callFunction:fail network'));

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__stock')).toContain('还能收到 3 条提醒。');
    expect(events[0]).toMatchObject({ name: 'subscribed', detail: { remaining: 3 } });
  });

  it('on reject it says how to subscribe later, emits rejected and reports nothing', async () => {
    const { fake, button, events } = setup({ result: 'reject' });

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__text')).toBe('你没有同意这次订阅，所以收不到新客户提醒。需要时再点一次按钮即可。');
    expect(events).toEqual([{ name: 'rejected', detail: { templateId: TEMPLATE, outcome: 'REJECTED', remaining: 2, result: 'reject' } }]);
    expect(fake.state.functionCalls).toEqual([]);
    expect(textOf(button, '.lk-subscribe__stock')).toContain('还能收到 2 条提醒。');
  });

  it.each([
    ['ban', 'BANNED', '这个提醒模板已被微信停用，暂时无法订阅，请联系管理员。'],
    ['filter', 'FILTERED', '这个提醒模板被微信过滤了（可能与其他模板同名），请联系管理员。'],
  ])('on %s it tells the user to ask an admin and emits error', async (result, outcome, text) => {
    const { fake, button, events } = setup({ result });

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__text')).toBe(text);
    expect(events).toEqual([{ name: 'error', detail: { templateId: TEMPLATE, outcome, remaining: 2, result } }]);
    expect(fake.state.functionCalls).toEqual([]);
  });

  it('when the main switch is off (20004) it guides the user and its 去设置 button opens the settings', async () => {
    const { fake, button, events } = setup({ fail: { errCode: 20004, errMsg: 'requestSubscribeMessage:fail:the main switch is switched off' } });

    await tap(fake.state, find(button, '.lk-subscribe__button'));
    expect(textOf(button, '.lk-subscribe__text')).toContain('关闭了本小程序的订阅消息总开关');
    expect(events).toEqual([
      {
        name: 'error',
        detail: { templateId: TEMPLATE, outcome: 'SWITCH_OFF', remaining: 2, errCode: 20004, errMsg: 'requestSubscribeMessage:fail:the main switch is switched off' },
      },
    ]);

    await tap(fake.state, find(button, '.lk-subscribe__settings'));
    expect(fake.state.openSettingCalls).toBe(1);
  });

  it('no settings button for other outcomes', async () => {
    const { fake, button } = setup({ result: 'reject' });
    await tap(fake.state, find(button, '.lk-subscribe__button'));
    expect(button.querySelector('.lk-subscribe__settings')).toBeFalsy();
  });

  it('any other fail code is shown as a failure with its code in the event', async () => {
    const { fake, button, events } = setup({ fail: { errCode: 20001, errMsg: 'requestSubscribeMessage:fail No template data return' } });

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(textOf(button, '.lk-subscribe__text')).toBe('订阅没有成功，请稍后再点一次。');
    expect(events).toMatchObject([{ name: 'error', detail: { outcome: 'FAILED', errCode: 20001 } }]);
  });

  it('the fake refuses a call made outside a tap, as WeChat does', async () => {
    const { fake, button, events } = setup({ result: 'accept' });

    (button.instance as unknown as { onTap(): void }).onTap();
    await settle();

    expect(fake.state.subscribeCalls).toHaveLength(1);
    expect(events).toMatchObject([{ name: 'error', detail: { outcome: 'FAILED', errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' } }]);
    expect(fake.state.functionCalls).toEqual([]);
  });

  it('uses the template-id property over the host default', async () => {
    const { fake } = setup({ result: 'accept' });
    const button = render('components/subscribe-button/index', { templateId: 'other-template' });

    await tap(fake.state, find(button, '.lk-subscribe__button'));

    expect(fake.state.subscribeCalls).toEqual([{ tmplIds: ['other-template'] }]);
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
