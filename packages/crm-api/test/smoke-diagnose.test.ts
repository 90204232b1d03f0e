import { describe, expect, it } from 'vitest';
import { diagnose } from '../src/smoke/diagnose.js';

describe('notify:smoke diagnosis', () => {
  it.each([
    ['skipped', 'NOT_BOUND', /bind/],
    ['skipped', 'NO_SUBSCRIPTION', /accept the subscription/],
    ['failed', 'TEMPLATE_DATA_INVALID', /SUBSCRIBE_TEMPLATE_KEYWORDS/],
    ['failed', 'APPSECRET_INVALID', /MINIPROGRAM_APPSECRET/],
    ['failed', 'IP_NOT_WHITELISTED', /IP whitelist/],
    ['failed', 'FUNCTION_NOT_FOUND', /deploy quickstartFunctions/],
    ['pending', 'FUNCTION_TIMEOUT', /NOTIFY_BATCH_SIZE/],
    ['failed', 'OPENAPI_PERMISSION_DENIED', /config\.json/],
  ])('%s %s tells the human what to fix', (status, reason, fix) => {
    const result = diagnose({ status, reason, lastError: `${reason}: detail`, attempts: 1 });

    expect(result.delivered).toBe(false);
    expect(result.fix).toMatch(fix);
    expect(result.summary).toContain('detail');
  });

  it('a sent notification is delivered', () => {
    expect(diagnose({ status: 'sent', reason: 'SENT', lastError: null, attempts: 1 })).toEqual({ delivered: true, summary: 'Delivered: the subscribe message was sent.' });
  });

  it('a notification nobody tried points at the notifier', () => {
    expect(diagnose({ status: 'pending', reason: null, lastError: null, attempts: 0 }).fix).toMatch(/NOTIFIER/);
  });

  it('a notification still retrying names the last problem', () => {
    const result = diagnose({ status: 'pending', reason: 'NETWORK', lastError: 'NETWORK: ECONNREFUSED', attempts: 3 });

    expect(result.summary).toContain('3 attempt(s)');
    expect(result.fix).toMatch(/WECHAT_API_BASE_URL/);
  });
});
