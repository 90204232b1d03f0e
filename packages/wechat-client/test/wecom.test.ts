import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createWecomClient, WechatError, type WecomMessage } from '../src/index.js';
import { createCapturedLogger, createFakeClock } from './helpers.js';

const WECOM = 'https://wecom.test';
const CORP_ID = 'ww-test-corp';
const SECRET = 'WECOM-agent-secret-0123456789abcdef';

function client(overrides: Partial<Parameters<typeof createWecomClient>[0]> = {}) {
  return createWecomClient({ corpId: CORP_ID, agentId: 1000002, agentSecret: SECRET, baseUrl: WECOM, clock: createFakeClock(), ...overrides });
}

function tokens(values: string[], expiresIn = 7200) {
  let index = 0;
  const scope = nock(WECOM)
    .get('/cgi-bin/gettoken')
    .query({ corpid: CORP_ID, corpsecret: SECRET })
    .times(values.length)
    .reply(() => [200, { errcode: 0, errmsg: 'ok', access_token: values[index++], expires_in: expiresIn }]);
  return scope;
}

const CARD: WecomMessage = {
  touser: ['zhangsan'],
  msgtype: 'textcard',
  textcard: { title: '新客户：阿里巴巴', description: '王经理分配给你', url: 'https://crm.example.com/customers/c-1', btntxt: '查看' },
  duplicateCheckIntervalS: 14_400,
};

describe('WeCom application messages', () => {
  it('gets one token for concurrent sends, and sends with duplicate check and the agent id', async () => {
    tokens(['WECOM-TOKEN-A']);
    const bodies: unknown[] = [];
    nock(WECOM)
      .post('/cgi-bin/message/send')
      .query({ access_token: 'WECOM-TOKEN-A' })
      .times(3)
      .reply(200, (_uri, body) => {
        bodies.push(body);
        return { errcode: 0, errmsg: 'ok', msgid: 'MSG-1' };
      });
    const wecom = client();

    const answers = await Promise.all([wecom.sendMessage(CARD), wecom.sendMessage(CARD), wecom.sendMessage(CARD)]);

    expect(wecom.stats().tokenRequests).toBe(1);
    expect(answers[0]).toEqual({ msgId: 'MSG-1', invalidUsers: [], unlicensedUsers: [] });
    expect(bodies[0]).toEqual({
      touser: 'zhangsan',
      agentid: 1000002,
      msgtype: 'textcard',
      textcard: CARD.msgtype === 'textcard' ? CARD.textcard : undefined,
      enable_duplicate_check: 1,
      duplicate_check_interval: 14_400,
    });
  });

  it('an errcode-0 answer that names the receiver in invaliduser is read as not delivered to them', async () => {
    tokens(['T']);
    nock(WECOM).post('/cgi-bin/message/send').query(true).reply(200, { errcode: 0, errmsg: 'ok', invaliduser: 'zhangsan', msgid: 'M' });

    expect(await client().sendMessage(CARD)).toEqual({ msgId: 'M', invalidUsers: ['zhangsan'], unlicensedUsers: [] });
  });

  it.each([
    [81013, 'WECOM_USER_INVALID', false],
    [60020, 'WECOM_IP_NOT_TRUSTED', false],
    [45009, 'RATE_LIMITED', true],
    [40056, 'WECOM_AGENT_INVALID', false],
  ])('errcode %i from message/send is %s (retryable %s), in WeCom\'s own meaning', async (errcode, code, retryable) => {
    tokens(['T']);
    nock(WECOM).post('/cgi-bin/message/send').query(true).reply(200, { errcode, errmsg: `refused, from ip: 1.2.3.4` });

    const error = await client().sendMessage(CARD).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(WechatError);
    expect(error).toMatchObject({ code, errcode, retryable });
  });

  it("a wrong secret (WeCom's 40001) is not taken for a stale token: no second gettoken, and the secret is in no message or log", async () => {
    nock(WECOM).get('/cgi-bin/gettoken').query(true).reply(200, { errcode: 40001, errmsg: `invalid secret ${SECRET}` });
    const { logger, lines } = createCapturedLogger();

    const error = (await client({ logger }).sendMessage(CARD).catch((thrown: unknown) => thrown)) as WechatError;

    expect(error).toMatchObject({ code: 'WECOM_SECRET_INVALID', errcode: 40001 });
    expect(`${error.message} ${error.errmsg} ${lines.join('')}`).not.toContain(SECRET);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('an expired token (42001) is dropped and the send made once more with a new one', async () => {
    tokens(['OLD', 'NEW']);
    nock(WECOM).post('/cgi-bin/message/send').query({ access_token: 'OLD' }).reply(200, { errcode: 42001, errmsg: 'access_token expired' });
    nock(WECOM).post('/cgi-bin/message/send').query({ access_token: 'NEW' }).reply(200, { errcode: 0, errmsg: 'ok', msgid: 'M2' });
    const wecom = client();

    expect((await wecom.sendMessage(CARD)).msgId).toBe('M2');
    expect(wecom.stats().tokenRequests).toBe(2);
  });

  it('refuses to start without corp id, secret or a numeric agent id', () => {
    expect(() => createWecomClient({ corpId: '', agentId: 0, agentSecret: '' })).toThrow(/corpId is required; agentSecret is required; agentId must be a positive integer/);
  });
});
