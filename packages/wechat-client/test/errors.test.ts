import { describe, expect, it } from 'vitest';
import nock from 'nock';
import { WECHAT_API_ERRCODES, WECHAT_ERRCODES } from '@leadnotify/contracts';
import { createWecomClient, type WechatErrorCode } from '../src/index.js';
import { createTestClient, invokePath, networkError, replyStableTokens, wechat } from './helpers.js';

/**
 * Written out independently of the contracts' WECHAT_ERRCODES so a changed classification fails here.
 * [errcode, expected code, retryable]
 */
const EXPECTED: Array<[number, WechatErrorCode, boolean]> = [
  [-1, 'SYSTEM_BUSY', true],
  [-1000, 'SYSTEM_BUSY', true],
  [40001, 'TOKEN_REJECTED', true],
  [40014, 'TOKEN_REJECTED', true],
  [42001, 'TOKEN_REJECTED', true],
  [41001, 'TOKEN_REJECTED', true],
  [40002, 'REQUEST_INVALID', false],
  [40013, 'APPID_INVALID', false],
  [40125, 'APPSECRET_INVALID', false],
  [41002, 'APPID_INVALID', false],
  [41004, 'APPSECRET_INVALID', false],
  [40164, 'IP_NOT_WHITELISTED', false],
  [61004, 'IP_NOT_WHITELISTED', false],
  [89503, 'ADMIN_CONFIRMATION_REQUIRED', false],
  [40101, 'REQUEST_INVALID', false],
  [43002, 'REQUEST_INVALID', false],
  [44002, 'REQUEST_INVALID', false],
  [45009, 'DAILY_QUOTA_EXCEEDED', false],
  [45011, 'RATE_LIMITED', true],
  [85088, 'CLOUD_NOT_ENABLED', false],
  [-501000, 'CLOUD_ENV_INVALID', false],
  [-501005, 'CLOUD_ENV_INVALID', false],
  [-501001, 'SYSTEM_BUSY', true],
  [-501002, 'FUNCTION_TIMEOUT', true],
  [-501003, 'CLOUD_QUOTA_EXCEEDED', false],
  [-501004, 'RATE_LIMITED', true],
  [-501009, 'FUNCTION_NOT_FOUND', false],
  [-504001, 'FUNCTION_NOT_FOUND', false],
  [-504002, 'FUNCTION_FAILED', false],
  [-504003, 'FUNCTION_TIMEOUT', true],
  [-601001, 'SYSTEM_BUSY', true],
  [-601003, 'SYSTEM_BUSY', true],
  [-604101, 'OPENAPI_PERMISSION_DENIED', false],
  [-604102, 'FUNCTION_TIMEOUT', true],
  [40003, 'OPENID_INVALID', false],
  [40037, 'TEMPLATE_INVALID', false],
  [41030, 'PAGE_INVALID', false],
  [43101, 'NO_SUBSCRIPTION', false],
  [47003, 'TEMPLATE_DATA_INVALID', false],
  [40097, 'REQUEST_INVALID', false],
  [40129, 'SCENE_INVALID', false],
  [40169, 'SCENE_INVALID', false],
];

/**
 * Errcodes one API means differently from the table above, written out the same way: [API, errcode, expected code,
 * retryable]. getUnlimitedQRCode allows 5,000 calls a minute, and its 45009 is that limit.
 */
const EXPECTED_PER_API: Array<[string, number, WechatErrorCode, boolean]> = [
  ['wxa/getwxacodeunlimit', 45009, 'CODE_RATE_LIMITED', true],
  // WeCom's own meanings, for every qyapi/… API (tried through message/send).
  ['qyapi', 40001, 'WECOM_SECRET_INVALID', false],
  ['qyapi', 40013, 'WECOM_CORP_INVALID', false],
  ['qyapi', 40056, 'WECOM_AGENT_INVALID', false],
  ['qyapi', 301002, 'WECOM_AGENT_INVALID', false],
  ['qyapi', 40003, 'WECOM_USER_INVALID', false],
  ['qyapi', 60011, 'WECOM_USER_INVALID', false],
  ['qyapi', 81013, 'WECOM_USER_INVALID', false],
  ['qyapi', 60020, 'WECOM_IP_NOT_TRUSTED', false],
  ['qyapi', 48002, 'WECOM_PERMISSION_DENIED', false],
  ['qyapi', 45009, 'RATE_LIMITED', true],
  ['qyapi', 45033, 'RATE_LIMITED', true],
  ['qyapi', 46004, 'WECOM_USER_INVALID', false],
  ['qyapi', 60103, 'WECOM_USER_INVALID', false],
];

/** Makes `api` answer `errcode` (twice: a token error is retried once) and calls it through the client. */
const CALL_ANSWERING: Record<string, (errcode: number) => Promise<unknown>> = {
  qyapi: (errcode) => {
    nock('https://wecom.test').get('/cgi-bin/gettoken').query(true).reply(200, { errcode: 0, access_token: 'W', expires_in: 7200 });
    nock('https://wecom.test').post('/cgi-bin/message/send').query(true).reply(200, { errcode, errmsg: 'from the test' });
    return createWecomClient({ corpId: 'ww', agentId: 1, agentSecret: 'secret', baseUrl: 'https://wecom.test' }).sendMessage({
      touser: ['u'],
      msgtype: 'textcard',
      textcard: { title: 't', description: 'd', url: 'https://x.test' },
    });
  },
  'wxa/getwxacodeunlimit': (errcode) => {
    replyStableTokens(['T1', 'T2']);
    wechat().post(/\/wxa\/getwxacodeunlimit/).times(2).reply(200, { errcode, errmsg: 'from the test' });
    return createTestClient().getUnlimitedQrCode({ scene: 'S1' });
  },
  'tcb/invokecloudfunction': (errcode) => {
    replyStableTokens(['T1', 'T2']);
    replyInvoke(errcode);
    return createTestClient().invokeCloudFunction('quickstartFunctions', {});
  },
  'cgi-bin/stable_token': (errcode) => {
    wechat().post('/cgi-bin/stable_token').reply(200, { errcode, errmsg: 'from the test' });
    return createTestClient().invokeCloudFunction('quickstartFunctions', {});
  },
};

/** Token errors are retried inside the client, so the invoke endpoint must keep answering them. */
function replyInvoke(errcode: number, errmsg = 'from the test') {
  return wechat().post(/\/tcb\/invokecloudfunction/).times(2).reply(200, { errcode, errmsg });
}

describe('error classification', () => {
  it('covers every row of the errcode table in this test', () => {
    expect(Object.keys(WECHAT_ERRCODES).map(Number).sort()).toEqual(EXPECTED.map(([errcode]) => errcode).sort());
  });

  it.each(EXPECTED)('errcode %i from invokecloudfunction → %s, retryable %s', async (errcode, code, retryable) => {
    replyStableTokens(['T1', 'T2']);
    replyInvoke(errcode);
    const client = createTestClient();

    const error = await client.invokeCloudFunction('quickstartFunctions', {}).catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ name: 'WechatError', code, retryable, errcode, api: '/tcb/invokecloudfunction' });
    expect((error as Error).message).toMatch(new RegExp(`answered ${errcode} \\(from the test\\): \\S+`));
  });

  it('covers every per-API row of the errcode tables in this test', () => {
    const rows = Object.entries(WECHAT_API_ERRCODES).flatMap(([api, table]) => Object.keys(table).map((errcode) => `${api} ${errcode}`));
    expect(rows.sort()).toEqual(EXPECTED_PER_API.map(([api, errcode]) => `${api} ${errcode}`).sort());
  });

  it.each(EXPECTED_PER_API)('from %s, errcode %i → %s, retryable %s', async (api, errcode, code, retryable) => {
    const error = await CALL_ANSWERING[api]!(errcode).catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ name: 'WechatError', code, retryable, errcode, api: api === 'qyapi' ? '/qyapi/cgi-bin/message/send' : `/${api}` });
  });

  it.each([
    ['tcb/invokecloudfunction', 45009, 'DAILY_QUOTA_EXCEEDED'],
    ['cgi-bin/stable_token', 45009, 'DAILY_QUOTA_EXCEEDED'],
    ['wxa/getwxacodeunlimit', 45011, 'RATE_LIMITED'],
    ['wxa/getwxacodeunlimit', 40001, 'TOKEN_REJECTED'],
  ] as const)('from %s, errcode %i keeps the meaning it has everywhere: %s', async (api, errcode, code) => {
    await expect(CALL_ANSWERING[api]!(errcode)).rejects.toMatchObject({ code, errcode, api: `/${api}` });
  });

  it('a -504002 that reports the function timing out is retryable', async () => {
    replyStableTokens(['T']);
    replyInvoke(-504002, 'Invoking task timed out after 3 seconds');
    const client = createTestClient();

    await expect(client.invokeCloudFunction('quickstartFunctions', {})).rejects.toMatchObject({
      code: 'FUNCTION_TIMEOUT',
      retryable: true,
    });
  });

  it('an errcode missing from the table is permanent and named as unknown', async () => {
    replyStableTokens(['T']);
    replyInvoke(99999);
    const client = createTestClient();

    await expect(client.invokeCloudFunction('quickstartFunctions', {})).rejects.toMatchObject({
      code: 'UNKNOWN_ERRCODE',
      errcode: 99999,
      retryable: false,
    });
  });

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [429, true],
    [404, false],
    [400, false],
  ])('HTTP %i → HTTP_STATUS, retryable %s', async (status, retryable) => {
    replyStableTokens(['T']);
    wechat().post(invokePath('T')).reply(status, 'gateway says no');
    const client = createTestClient();

    await expect(client.invokeCloudFunction('quickstartFunctions', {})).rejects.toMatchObject({
      code: 'HTTP_STATUS',
      httpStatus: status,
      retryable,
    });
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'EAI_AGAIN'])('a %s connection error is retryable', async (networkCode) => {
    replyStableTokens(['T']);
    wechat().post(invokePath('T')).replyWithError(networkError(networkCode, 'socket trouble'));
    const client = createTestClient();

    await expect(client.invokeCloudFunction('quickstartFunctions', {})).rejects.toMatchObject({
      code: 'NETWORK',
      networkCode,
      retryable: true,
    });
  });

  it('a body that is not JSON is a retryable bad response', async () => {
    replyStableTokens(['T']);
    wechat().post(invokePath('T')).reply(200, '<html>proxy error</html>', { 'content-type': 'text/html' });
    const client = createTestClient();

    await expect(client.invokeCloudFunction('quickstartFunctions', {})).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      retryable: true,
    });
  });
});
