import { describe, expect, it } from 'vitest';
import { BIND_MESSAGES } from '../src/lib/bind-messages.js';
import type { CallFunction } from '../src/lib/call-function.js';
import { decodeScene } from '../src/lib/decode-scene.js';
import { readKitConfig } from '../src/lib/kit-config.js';
import { moveBinding, runBinding } from '../src/lib/run-binding.js';
import { apiError, fakeRequest, noAnswer } from './fakes.js';

const EXCHANGE = 'POST /api/wechat-binding/scene/exchange';

function fakeFunction(result: unknown | Error) {
  const calls: Array<{ name: string; data: Record<string, unknown> }> = [];
  const callFunction: CallFunction = async (options) => {
    calls.push(options);
    if (result instanceof Error) throw result;
    return { result };
  };
  return { callFunction, calls };
}

const BOUND = { ok: true, crmUserId: 'u-sales-1', boundAt: '2026-11-25T02:30:00.000Z' };
const failed = (code: string) => ({ ok: false, error: { code, message: `test ${code}` } });

describe('decodeScene', () => {
  it('decodes the URI-encoded scene WeChat passes to the page', () => {
    expect(decodeScene('b%3DAbC123_-')).toBe('b=AbC123_-');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['malformed escape', '%E0%A4%A'],
    ['too long', 'a'.repeat(33)],
    ['a character WeChat refuses', 'ab%25cd'],
    ['Chinese', encodeURIComponent('绑定')],
  ])('refuses a %s scene', (_name, raw) => {
    expect(decodeScene(raw)).toBeUndefined();
  });
});

describe('runBinding', () => {
  it('exchanges the scene through the host request function, then binds with the ticket', async () => {
    const { request, calls } = fakeRequest({ [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.T' } } });
    const fn = fakeFunction(BOUND);

    const state = await runBinding({ request, callFunction: fn.callFunction, functionName: 'leadFn' }, 'S%3D1');

    expect(state).toEqual({ outcome: 'BOUND', binding: { crmUserId: 'u-sales-1', boundAt: BOUND.boundAt } });
    expect(calls).toEqual([{ method: 'POST', path: '/api/wechat-binding/scene/exchange', data: { scene: 'S=1' } }]);
    expect(fn.calls).toEqual([{ name: 'leadFn', data: { type: 'bindCrmUser', ticket: 'v1.T' } }]);
  });

  it.each([
    [404, 'SCENE_INVALID'],
    [410, 'SCENE_EXPIRED'],
    [409, 'SCENE_USED'],
  ])('an exchange answering %i %s ends with that outcome and no function call', async (status, code) => {
    const { request } = fakeRequest({ [EXCHANGE]: apiError(status, code) });
    const fn = fakeFunction(BOUND);

    const state = await runBinding({ request, callFunction: fn.callFunction, functionName: 'f' }, 'S1');

    expect(state.outcome).toBe(code);
    expect(fn.calls).toHaveLength(0);
  });

  it('a 404 without the SCENE_INVALID code (the route is missing) is a service error, not "invalid code"', async () => {
    const { request } = fakeRequest({});
    const state = await runBinding({ request, callFunction: fakeFunction(BOUND).callFunction, functionName: 'f' }, 'S1');
    expect(state.outcome).toBe('SERVICE_ERROR');
  });

  it.each(['TICKET_INVALID', 'TICKET_EXPIRED', 'TICKET_USED', 'OPENID_BOUND_ELSEWHERE'])('bindCrmUser %s becomes that outcome', async (code) => {
    const { request } = fakeRequest({ [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.T' } } });
    const state = await runBinding({ request, callFunction: fakeFunction(failed(code)).callFunction, functionName: 'f' }, 'S1');
    expect(state.outcome).toBe(code);
  });

  it.each(['CONFIG_INVALID', 'INTERNAL_ERROR', 'FORBIDDEN'])('bindCrmUser %s is a service error', async (code) => {
    const { request } = fakeRequest({ [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.T' } } });
    const state = await runBinding({ request, callFunction: fakeFunction(failed(code)).callFunction, functionName: 'f' }, 'S1');
    expect(state.outcome).toBe('SERVICE_ERROR');
    expect(state.error).toContain(code);
  });

  it('no answer from the CRM is a network outcome', async () => {
    const { request } = fakeRequest({ [EXCHANGE]: noAnswer() });
    const state = await runBinding({ request, callFunction: fakeFunction(BOUND).callFunction, functionName: 'f' }, 'S1');
    expect(state).toMatchObject({ outcome: 'NETWORK', error: expect.stringContaining('request:fail timeout') });
  });

  it('a retry after the function call failed on the network reuses the ticket instead of spending the scene again', async () => {
    const { request, calls } = fakeRequest({ [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.T' } } });
    const first = await runBinding({ request, callFunction: fakeFunction(new Error('cloud.callFunction:fail network')).callFunction, functionName: 'f' }, 'S1');
    const fn = fakeFunction(BOUND);

    const second = await runBinding({ request, callFunction: fn.callFunction, functionName: 'f' }, 'S1', first);

    expect(first).toMatchObject({ outcome: 'NETWORK', ticket: 'v1.T' });
    expect(second.outcome).toBe('BOUND');
    expect(calls).toHaveLength(1);
    expect(fn.calls[0]?.data).toEqual({ type: 'bindCrmUser', ticket: 'v1.T' });
  });

  it('moving the binding here unbinds this WeChat, then binds with the ticket the refusal left unused', async () => {
    const { request, calls } = fakeRequest({ [EXCHANGE]: { statusCode: 200, data: { ticket: 'v1.T' } } });
    const refused = await runBinding({ request, callFunction: fakeFunction(failed('OPENID_BOUND_ELSEWHERE')).callFunction, functionName: 'f' }, 'S1');
    const answers: Record<string, unknown> = { unbindCrmUser: { ok: true, unbound: true }, bindCrmUser: BOUND };
    const made: Array<Record<string, unknown>> = [];
    const callFunction: CallFunction = async ({ data }) => {
      made.push(data);
      return { result: answers[String(data.type)] };
    };

    const moved = await moveBinding({ request, callFunction, functionName: 'f' }, 'S1', refused);

    expect(refused).toMatchObject({ outcome: 'OPENID_BOUND_ELSEWHERE', ticket: 'v1.T' });
    expect(moved.outcome).toBe('BOUND');
    expect(made).toEqual([{ type: 'unbindCrmUser' }, { type: 'bindCrmUser', ticket: 'v1.T' }]);
    expect(calls).toHaveLength(1);
  });

  it('when the unbind gets no answer, the move ends as a network outcome that keeps the ticket', async () => {
    const { request } = fakeRequest({});
    const moved = await moveBinding({ request, callFunction: fakeFunction(new Error('cloud.callFunction:fail timeout')).callFunction, functionName: 'f' }, 'S1', {
      outcome: 'OPENID_BOUND_ELSEWHERE',
      ticket: 'v1.T',
    });
    expect(moved).toMatchObject({ outcome: 'NETWORK', ticket: 'v1.T' });
  });

  it('an invalid scene is answered without asking the server', async () => {
    const { request, calls } = fakeRequest({});
    const state = await runBinding({ request, callFunction: fakeFunction(BOUND).callFunction, functionName: 'f' }, undefined);
    expect(state.outcome).toBe('SCENE_INVALID');
    expect(calls).toHaveLength(0);
  });

  it('a 200 without a ticket is a service error', async () => {
    const { request } = fakeRequest({ [EXCHANGE]: { statusCode: 200, data: {} } });
    const state = await runBinding({ request, callFunction: fakeFunction(BOUND).callFunction, functionName: 'f' }, 'S1');
    expect(state.outcome).toBe('SERVICE_ERROR');
  });
});

describe('BIND_MESSAGES', () => {
  it('offers a retry only where trying again can help', () => {
    const retryable = Object.entries(BIND_MESSAGES).filter(([, message]) => message.retry).map(([code]) => code).sort();
    expect(retryable).toEqual(['FORBIDDEN', 'NETWORK', 'NOT_BOUND', 'NOT_FOUND', 'SERVICE_ERROR', 'UNAUTHENTICATED']);
  });

  it('offers the move only to a WeChat bound to another CRM account', () => {
    expect(Object.entries(BIND_MESSAGES).filter(([, message]) => message.move).map(([code]) => code)).toEqual(['OPENID_BOUND_ELSEWHERE']);
  });
});

describe('readKitConfig', () => {
  it('reads the host config and defaults the function name', () => {
    const request = async () => ({ statusCode: 200, data: null });
    // The templates come from the function (subscriptionStatus): a templateId an older host still sets is not read.
    expect(readKitConfig({ leadnotify: { request, templateId: ' T1 ' } })).toEqual({ request, functionName: 'quickstartFunctions' });
  });

  it('lists every problem of a broken config', () => {
    expect(() => readKitConfig({ leadnotify: { functionName: 3 } })).toThrow(/request must be a function.*functionName must be/);
    expect(() => readKitConfig({})).toThrow(expect.objectContaining({ code: 'KIT_NOT_CONFIGURED' }));
  });
});
