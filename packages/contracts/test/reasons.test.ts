import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REASONS, REASON_CODES, WECHAT_APIS, WECHAT_API_ERRCODES, WECHAT_ERRCODES, reasonForErrcode, reasonOf } from '../src/index.js';
import { TROUBLESHOOTING_DOC, renderReasonTable, withReasonTable } from '../scripts/reason-table.js';

describe('the reason table', () => {
  it('says what follows from every reason, with a summary and a fix', () => {
    for (const code of REASON_CODES) {
      expect(REASONS[code].summary.length, code).toBeGreaterThan(10);
      expect(REASONS[code].fix.length, code).toBeGreaterThan(3);
    }
  });

  it.each([
    [-1, '', 'SYSTEM_BUSY', 'retry'],
    [43101, '', 'NO_SUBSCRIPTION', 'skipped'],
    [45009, '', 'DAILY_QUOTA_EXCEEDED', 'retry-next-day'],
    [-604101, '', 'OPENAPI_PERMISSION_DENIED', 'permanent'],
    [-504002, 'Invoking task timed out after 3 seconds', 'FUNCTION_TIMEOUT', 'retry'],
    [-504002, 'ReferenceError: x is not defined', 'FUNCTION_FAILED', 'permanent'],
    [99999, '', 'UNKNOWN_ERRCODE', 'permanent'],
  ])('errcode %i (%s) is %s, disposition %s', (errcode, errmsg, code, disposition) => {
    const reason = reasonForErrcode(errcode, errmsg);
    expect(reason).toBe(code);
    expect(REASONS[reason].disposition).toBe(disposition);
  });

  it.each([
    [45009, 'wxa/getwxacodeunlimit', 'CODE_RATE_LIMITED', 'retry'],
    [45009, 'cgi-bin/stable_token', 'DAILY_QUOTA_EXCEEDED', 'retry-next-day'],
    [45009, 'tcb/invokecloudfunction', 'DAILY_QUOTA_EXCEEDED', 'retry-next-day'],
    [45009, 'subscribeMessage.send', 'DAILY_QUOTA_EXCEEDED', 'retry-next-day'],
    [45009, undefined, 'DAILY_QUOTA_EXCEEDED', 'retry-next-day'],
    // WeCom's meanings, for every qyapi/… API.
    [40001, 'qyapi/cgi-bin/gettoken', 'WECOM_SECRET_INVALID', 'permanent'],
    [40001, 'cgi-bin/stable_token', 'TOKEN_REJECTED', 'retry'],
    [81013, 'qyapi/cgi-bin/message/send', 'WECOM_USER_INVALID', 'skipped'],
    [60020, 'qyapi/cgi-bin/message/send', 'WECOM_IP_NOT_TRUSTED', 'permanent'],
    [45009, 'qyapi/cgi-bin/message/send', 'RATE_LIMITED', 'retry'],
    [42001, 'qyapi/cgi-bin/message/send', 'TOKEN_REJECTED', 'retry'],
    [41030, 'wxa/getwxacodeunlimit', 'PAGE_INVALID', 'permanent'],
    [99999, 'wxa/getwxacodeunlimit', 'UNKNOWN_ERRCODE', 'permanent'],
  ] as const)('errcode %i from %s is %s, disposition %s: an API table first, then the default', (errcode, api, code, disposition) => {
    const reason = reasonForErrcode(errcode, '', api);
    expect(reason).toBe(code);
    expect(REASONS[reason].disposition).toBe(disposition);
  });

  it('a per-API table names an API this project calls, or a path above one, and reasons of the table', () => {
    for (const [scope, table] of Object.entries(WECHAT_API_ERRCODES)) {
      expect(WECHAT_APIS.some((api) => api === scope || api.startsWith(`${scope}/`)), scope).toBe(true);
      for (const code of Object.values(table)) expect(REASON_CODES).toContain(code);
    }
  });

  it('reads only its own codes off the wire', () => {
    expect(reasonOf('NOT_BOUND')?.disposition).toBe('skipped');
    expect(reasonOf('toString')).toBeUndefined();
    expect(reasonOf(null)).toBeUndefined();
  });

  it('maps every errcode to a reason of the table', () => {
    for (const code of Object.values(WECHAT_ERRCODES)) expect(REASON_CODES).toContain(code);
  });

  it('fix texts name what an operator can do: the scan, the shared secret, deploying the function', () => {
    expect(REASONS.NOT_BOUND.fix).toMatch(/scan their binding code/);
    expect(REASONS.NOT_BOUND.fix).not.toMatch(/ticket/);
    expect(REASONS.TICKET_INVALID.fix).toContain('LEADNOTIFY_SHARED_SECRET');
    expect(REASONS.CLOUD_ENV_INVALID.fix).toMatch(/deploy quickstartFunctions/);
  });

  it('is what docs/troubleshooting.md shows (run `pnpm docs:reasons` after changing it)', () => {
    const doc = readFileSync(TROUBLESHOOTING_DOC, 'utf8');
    expect(withReasonTable(doc)).toBe(doc);
    for (const code of REASON_CODES) expect(renderReasonTable()).toContain(`| \`${code}\` |`);
    expect(renderReasonTable()).toContain('| `CODE_RATE_LIMITED` | 45009 from `wxa/getwxacodeunlimit` |');
    expect(renderReasonTable()).toContain('| `DAILY_QUOTA_EXCEEDED` | 45009 (not from `wxa/getwxacodeunlimit`, `qyapi`) |');
  });
});
