import { describe, expect, it } from 'vitest';
import { getCustomer, listDeliveredCustomers, listMyCustomers } from '../src/lib/customer-api.js';
import { formatBeijingTime } from '../src/lib/customer-messages.js';
import { keptAlwaysAccepted, outcomeOfFailure, stockAfterAcceptance, stockText, summarizeTap, tapText } from '../src/lib/subscribe-outcome.js';
import { apiError, CUSTOMER, fakeRequest, noAnswer } from './fakes.js';

describe('subscribe outcomes', () => {
  it.each([
    ['accept', 'ACCEPTED'],
    ['acceptWithAudio', 'ACCEPTED'],
    ['acceptWithAlert', 'ACCEPTED'],
    ['reject', 'REJECTED'],
    ['ban', 'BANNED'],
    ['filter', 'FILTERED'],
    ['somethingNew', 'FAILED'],
  ])('result %s → %s', (value, outcome) => {
    expect(summarizeTap({ errMsg: 'requestSubscribeMessage:ok', T1: value }, ['T1']).outcome).toBe(outcome);
  });

  it('counts the acceptances of a tap that asked for three templates; any acceptance makes it ACCEPTED', () => {
    expect(summarizeTap({ errMsg: 'requestSubscribeMessage:ok', T1: 'accept', T2: 'acceptWithAlert', T3: 'accept' }, ['T1', 'T2', 'T3'])).toEqual({
      outcome: 'ACCEPTED',
      accepted: 3,
      results: { T1: 'accept', T2: 'acceptWithAlert', T3: 'accept' },
    });
    expect(summarizeTap({ T1: 'reject', T2: 'accept', T3: 'filter' }, ['T1', 'T2', 'T3'])).toMatchObject({ outcome: 'ACCEPTED', accepted: 1 });
    expect(summarizeTap({ T1: 'reject', T2: 'reject', T3: 'reject' }, ['T1', 'T2', 'T3'])).toMatchObject({ outcome: 'REJECTED', accepted: 0 });
    // None accepted: a template WeChat filtered (same title as another) is an admin's to fix, and says so.
    expect(summarizeTap({ T1: 'reject', T2: 'filter' }, ['T1', 'T2'])).toMatchObject({ outcome: 'FILTERED', accepted: 0 });
  });

  it('a result without a template asked for is a failure', () => {
    expect(summarizeTap({ errMsg: 'requestSubscribeMessage:ok', OTHER: 'accept' }, ['T1'])).toMatchObject({ outcome: 'FAILED', accepted: 0 });
  });

  it('says how many reminders the tap added', () => {
    expect(tapText(summarizeTap({ T1: 'accept', T2: 'accept', T3: 'reject' }, ['T1', 'T2', 'T3']))).toBe('已订阅 2 条新客户提醒。');
  });

  it('tops up silently only when every lead template is kept "always accept" and the main switch is on', () => {
    const all = { mainSwitch: true, itemSettings: { T1: 'accept', T2: 'accept' } };
    expect(keptAlwaysAccepted(all, ['T1', 'T2'])).toBe(true);
    expect(keptAlwaysAccepted({ ...all, mainSwitch: false }, ['T1', 'T2'])).toBe(false);
    expect(keptAlwaysAccepted({ mainSwitch: true, itemSettings: { T1: 'accept' } }, ['T1', 'T2'])).toBe(false);
    expect(keptAlwaysAccepted({ mainSwitch: true, itemSettings: { T1: 'accept', T2: 'reject' } }, ['T1', 'T2'])).toBe(false);
    expect(keptAlwaysAccepted(undefined, ['T1'])).toBe(false);
    expect(keptAlwaysAccepted(all, [])).toBe(false);
  });

  it('errCode 20004 is the main switch; other fail codes are plain failures', () => {
    expect(outcomeOfFailure({ errCode: 20004 })).toBe('SWITCH_OFF');
    expect(outcomeOfFailure({ errCode: 20001 })).toBe('FAILED');
    expect(outcomeOfFailure({})).toBe('FAILED');
  });

  it.each([
    [-1, 1, 0, 1],
    [-1, 1, undefined, 1],
    [2, 1, 2, 3],
    [2, 3, undefined, 5],
    [0, 1, 5, 5],
    [-1, 3, 4, 4],
    [1, 3, 2, 4],
  ])('with %s in stock, %s accepted and the function reporting %s, the stock is %s', (previous, accepted, reported, stock) => {
    expect(stockAfterAcceptance(previous, accepted, reported)).toBe(stock);
  });

  it('shows the stock when it is known, says plainly when none is left, and always invites more taps', () => {
    expect(stockText(3)).toBe('还能收到 3 条提醒。每条提醒会用掉一次订阅，多点几次可以多攒几条。');
    expect(stockText(3, 3)).toBe('还能收到 3 条提醒。每条提醒用掉一次订阅；点一次按钮并全部允许，可以攒 3 条。');
    expect(stockText(0, 3)).toBe('提醒已经用完：新分给你的客户不会再通知你。每条提醒用掉一次订阅；点一次按钮并全部允许，可以攒 3 条。');
    expect(stockText(undefined)).toBe('每条提醒会用掉一次订阅，多点几次可以多攒几条。');
    expect(stockText(-1)).toBe(stockText(undefined));
  });
});

describe('customer API', () => {
  it('reads one customer by id through the host request function', async () => {
    const { request, calls } = fakeRequest({ 'GET /api/customers/c%2F1': { statusCode: 200, data: { ...CUSTOMER, id: 'c/1' } } });
    expect(await getCustomer(request, 'c/1')).toMatchObject({ id: 'c/1', name: '阿里巴巴' });
    expect(calls).toEqual([{ method: 'GET', path: '/api/customers/c%2F1' }]);
  });

  it.each([
    [404, 'CUSTOMER_NOT_FOUND', 'NOT_FOUND'],
    [403, 'FORBIDDEN', 'FORBIDDEN'],
    [401, 'UNAUTHENTICATED', 'UNAUTHENTICATED'],
    [500, 'INTERNAL_ERROR', 'SERVICE_ERROR'],
  ])('HTTP %i %s → %s', async (status, apiCode, code) => {
    const { request } = fakeRequest({ 'GET /api/customers/c-1': apiError(status, apiCode) });
    await expect(getCustomer(request, 'c-1')).rejects.toMatchObject({ code });
  });

  it('no answer is NETWORK', async () => {
    const { request } = fakeRequest({ 'GET /api/customers/c-1': noAnswer() });
    await expect(getCustomer(request, 'c-1')).rejects.toMatchObject({ code: 'NETWORK' });
  });

  it('lists my customers newest first: GET /api/me, then GET /api/customers?ownerId=<my id>&order=newest', async () => {
    const { request, calls } = fakeRequest({
      'GET /api/me': { statusCode: 200, data: { id: 'u-sales-1', name: '小王', role: 'sales' } },
      'GET /api/customers?ownerId=u-sales-1&order=newest&limit=50': { statusCode: 200, data: { items: [CUSTOMER], nextCursor: null } },
    });
    expect(await listMyCustomers(request)).toEqual([CUSTOMER]);
    expect(calls.map((call) => call.path)).toEqual(['/api/me', '/api/customers?ownerId=u-sales-1&order=newest&limit=50']);
  });

  it("lists a message's customers by its delivery id, oldest assignment first, each once, leaving out one withdrawn before it went out", async () => {
    const { request, calls } = fakeRequest({
      'GET /api/notifications?deliveryId=d%2F1&limit=200': {
        statusCode: 200,
        data: {
          items: [
            { id: 'n-3', status: 'withdrawn', createdAt: '2026-11-25T02:32:00.000Z', customers: [{ id: 'c-3', name: '百度', company: null }] },
            { id: 'n-2', status: 'sent', createdAt: '2026-11-25T02:31:00.000Z', customers: [{ id: 'c-2', name: '腾讯', company: null }] },
            { id: 'n-1', status: 'sent', createdAt: '2026-11-25T02:30:00.000Z', customers: [{ id: 'c-1', name: '阿里巴巴', company: '阿里巴巴集团' }, { id: 'c-2', name: '腾讯', company: null }] },
          ],
        },
      },
    });

    expect(await listDeliveredCustomers(request, 'd/1')).toEqual([
      { id: 'c-1', name: '阿里巴巴', company: '阿里巴巴集团', status: null, assignedAt: '2026-11-25T02:30:00.000Z' },
      { id: 'c-2', name: '腾讯', company: null, status: null, assignedAt: '2026-11-25T02:30:00.000Z' },
    ]);
    expect(calls.map((call) => call.path)).toEqual(['/api/notifications?deliveryId=d%2F1&limit=200']);
  });

  it('a notifications answer without items is a service error', async () => {
    const { request } = fakeRequest({ 'GET /api/notifications?deliveryId=d-1&limit=200': { statusCode: 200, data: {} } });
    await expect(listDeliveredCustomers(request, 'd-1')).rejects.toMatchObject({ code: 'SERVICE_ERROR' });
  });

  it('formats times as Beijing wall-clock time', () => {
    expect(formatBeijingTime('2026-11-25T02:30:00.000Z')).toBe('2026-11-25 10:30');
    expect(formatBeijingTime(null)).toBe('');
  });
});
