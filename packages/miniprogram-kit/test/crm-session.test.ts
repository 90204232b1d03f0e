import { describe, expect, it } from 'vitest';
import { createCrmSession, RENEW_BEFORE_MS, SESSION_STORAGE_KEY, type KitStorage } from '../src/lib/crm-session.js';
import type { KitRequest, KitRequestOptions, KitResponse } from '../src/lib/kit-config.js';

const NOW = Date.parse('2026-11-25T02:00:00Z');
const HOURS_2 = 7_200_000;

/** A CRM that issues lnk_1, lnk_2, … for each vouch and answers GET /api/me for the newest token only. */
function setup(options: { vouch?: () => unknown; exchange?: (serial: number) => KitResponse } = {}) {
  let now = NOW;
  let serial = 0;
  const stored = new Map<string, unknown>();
  const storage: KitStorage = { get: (key) => stored.get(key), set: (key, value) => void stored.set(key, value), remove: (key) => void stored.delete(key) };
  const functionCalls: Array<Record<string, unknown>> = [];
  const calls: KitRequestOptions[] = [];
  const request: KitRequest = async (call) => {
    calls.push(call);
    await Promise.resolve();
    if (call.path === '/api/wechat-session') {
      serial++;
      return options.exchange?.(serial) ?? { statusCode: 200, data: { token: `lnk_${serial}`, expiresAt: new Date(now + HOURS_2).toISOString(), user: { id: 'u-1', name: '王五', role: 'sales' } } };
    }
    return call.token === `lnk_${serial}` ? { statusCode: 200, data: { id: 'u-1' } } : { statusCode: 401, data: { error: { code: 'UNAUTHENTICATED', details: { reason: 'revoked' } } } };
  };
  const session = createCrmSession({
    callFunction: async ({ data }) => {
      functionCalls.push(data);
      return { result: options.vouch?.() ?? { ok: true, vouch: `v1.vouch-${functionCalls.length}`, crmUserId: 'u-1', expiresAt: '' } };
    },
    functionName: 'quickstartFunctions',
    request,
    storage,
    now: () => now,
  });
  return { session, calls, functionCalls, stored, advance: (ms: number) => (now += ms) };
}

describe('the CRM session of the kit', () => {
  it('signs in once for many callers at once, exchanges the vouch, keeps the token and sends it', async () => {
    const { session, calls, functionCalls, stored } = setup();

    const answers = await Promise.all([1, 2, 3].map(() => session.request({ method: 'GET', path: '/api/me' })));

    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    expect(functionCalls).toEqual([{ type: 'vouchCrmSession' }]);
    expect(calls.filter((call) => call.path === '/api/wechat-session')).toEqual([{ method: 'POST', path: '/api/wechat-session', data: { vouch: 'v1.vouch-1' } }]);
    expect(calls.filter((call) => call.path === '/api/me').map((call) => call.token)).toEqual(['lnk_1', 'lnk_1', 'lnk_1']);
    expect(stored.get(SESSION_STORAGE_KEY)).toMatchObject({ token: 'lnk_1', user: { name: '王五' } });
  });

  it('renews the token before it ends, not after', async () => {
    const { session, functionCalls, advance } = setup();
    await session.request({ method: 'GET', path: '/api/me' });

    advance(HOURS_2 - RENEW_BEFORE_MS - 1);
    await session.request({ method: 'GET', path: '/api/me' });
    expect(functionCalls).toHaveLength(1);
    advance(2);
    const renewed = await session.request({ method: 'GET', path: '/api/me' });

    expect(functionCalls).toHaveLength(2);
    expect(renewed.statusCode).toBe(200);
  });

  it('on a 401 signs in again once and repeats the call; a second 401 is the answer', async () => {
    const { session, stored, functionCalls, calls } = setup();
    stored.set(SESSION_STORAGE_KEY, { token: 'lnk_revoked', expiresAt: new Date(NOW + HOURS_2).toISOString(), user: { id: 'u-1', name: '王五', role: 'sales' } });

    const answer = await session.request({ method: 'GET', path: '/api/me' });

    expect(answer.statusCode).toBe(200);
    expect(calls.filter((call) => call.path === '/api/me').map((call) => call.token)).toEqual(['lnk_revoked', 'lnk_1']);
    expect(functionCalls).toHaveLength(1);
  });

  it('a WeChat bound to nobody is NOT_BOUND, and so is a binding an admin released since the vouch', async () => {
    const unbound = setup({ vouch: () => ({ ok: false, error: { code: 'NOT_BOUND', message: 'not bound' } }) });
    await expect(unbound.session.signIn()).rejects.toMatchObject({ code: 'NOT_BOUND' });
    expect(unbound.calls).toEqual([]);

    const released = setup({ exchange: () => ({ statusCode: 401, data: { error: { code: 'UNAUTHENTICATED', details: { reason: 'binding_released' } } } }) });
    await expect(released.session.signIn()).rejects.toMatchObject({ code: 'NOT_BOUND' });
    const deactivated = setup({ exchange: () => ({ statusCode: 401, data: { error: { code: 'UNAUTHENTICATED', details: { reason: 'user_deactivated' } } } }) });
    await expect(deactivated.session.signIn()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('end() tells the CRM with the kept token and forgets it; without one it asks nothing', async () => {
    const { session, calls, stored } = setup();
    await session.signIn();

    await session.end();
    await session.end();

    expect(calls.filter((call) => call.path === '/api/wechat-session/end')).toEqual([{ method: 'POST', path: '/api/wechat-session/end', data: {}, token: 'lnk_1' }]);
    expect(stored.has(SESSION_STORAGE_KEY)).toBe(false);
  });
});
