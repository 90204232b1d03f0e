import { describe, expect, it } from 'vitest';
import { createTestFunction, notification, sendEvent, TEMPLATE_ID } from './helpers.js';
import { wxError } from '../src/testing/memory-cloud.js';
import { REASONS, resultKindOf, type ReasonCode } from '@leadnotify/contracts';

describe('sendCustomerAssignNotification', () => {
  it('sends one subscribe message to the bound assignee with the mapped template data and a deep link', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 2);
    const item = notification({ note: '客户急需报价', customers: [{ id: 'cust-9', name: '阿里巴巴' }] });

    const response = await fn.handle(sendEvent(item));

    expect(response).toEqual({
      ok: true,
      result: { deliveryId: item.deliveryId, reason: 'SENT', sentAt: '2026-11-25T02:00:00.000Z', openid: 'openid-zhang', templateId: TEMPLATE_ID },
    });
    expect(fn.fake.sent).toEqual([
      {
        touser: 'openid-zhang',
        templateId: TEMPLATE_ID,
        page: `pages/customer/detail?id=cust-9&deliveryId=${item.deliveryId}`,
        data: {
          thing1: { value: '阿里巴巴' },
          time2: { value: '2026-11-25 10:30' },
          thing3: { value: '王经理' },
          thing4: { value: '客户急需报价' },
        },
        miniprogramState: 'formal',
        lang: 'zh_CN',
      },
    ]);
    expect(fn.remaining('openid-zhang')).toBe(1);
  });

  it('lists many customers in one message as "first 等N位客户" linking to the list', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    const customers = Array.from({ length: 12 }, (_, index) => ({ id: `c${index}`, name: index === 0 ? '张三' : `客户${index}` }));
    const item = notification({ customers });

    await fn.handle(sendEvent(item));

    expect(fn.fake.sent).toHaveLength(1);
    expect(fn.fake.sent[0]?.data.thing1?.value).toBe('张三等12位客户');
    expect(fn.fake.sent[0]?.page).toBe(`pages/customer/list?deliveryId=${item.deliveryId}`);
  });

  it('uses the openid in the payload instead of the binding', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-old');
    await fn.subscribe('openid-direct', 1);

    await fn.handle(sendEvent(notification({ openid: 'openid-direct' })));

    expect(fn.fake.sent.map((m) => m.touser)).toEqual(['openid-direct']);
  });

  it('skips with NOT_BOUND when the assignee has no binding and no openid was given', async () => {
    const fn = createTestFunction();

    const response = await fn.handle(sendEvent(notification()));

    expect(response.result).toMatchObject({ reason: 'NOT_BOUND' });
    expect(resultKindOf(response.result.reason)).toBe('skipped');
    expect(fn.fake.sent).toEqual([]);
  });

  it('skips with NO_SUBSCRIPTION without calling WeChat when WeChat refused since the last acceptance', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 0, { refused: true });
    let calls = 0;
    fn.fake.onSend(async () => {
      calls++;
    });

    const response = await fn.handle(sendEvent(notification()));

    expect(response.result).toMatchObject({ reason: 'NO_SUBSCRIPTION' });
    expect(resultKindOf(response.result.reason)).toBe('skipped');
    expect(calls).toBe(0);
  });

  it('counts subscriptions down; at 0 it asks WeChat once, and after its 43101 skips without asking', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 2);
    let calls = 0;
    fn.fake.onSend(async () => {
      if (++calls > 2) throw wxError(43101, 'openapi.subscribeMessage.send:fail 43101 user refuse to accept the msg');
    });

    const reasons = [];
    for (let index = 0; index < 4; index++) reasons.push((await fn.handle(sendEvent(notification()))).result.reason);

    expect(reasons).toEqual(['SENT', 'SENT', 'NO_SUBSCRIPTION', 'NO_SUBSCRIPTION']);
    expect(reasons.map(resultKindOf)).toEqual(['sent', 'sent', 'skipped', 'skipped']);
    expect(calls).toBe(3);
    expect(fn.fake.sent).toHaveLength(2);
    expect(fn.remaining('openid-zhang')).toBe(0);
  });

  it('an acceptance the mini program never reported is not lost: WeChat is asked when the count says 0', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');

    const response = await fn.handle(sendEvent(notification()));

    expect(response.result).toMatchObject({ reason: 'SENT' });
    expect(fn.fake.sent).toHaveLength(1);
    expect(fn.remaining('openid-zhang')).toBe(0);
  });

  it('after a 43101 a new acceptance lets the next delivery send', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    fn.fake.failSendsWith(43101, 'user refuse to accept the msg', 1);
    expect((await fn.handle(sendEvent(notification()))).result).toMatchObject({ reason: 'NO_SUBSCRIPTION', errCode: 43101 });
    expect((await fn.handle(sendEvent(notification()))).result).toMatchObject({ reason: 'NO_SUBSCRIPTION' });
    expect(fn.fake.sent).toHaveLength(0);
    fn.asMiniProgramUser('openid-zhang');
    await fn.handle({ type: 'recordSubscription', templateId: TEMPLATE_ID, accepted: 'accept' });
    fn.asHttpApi();

    expect((await fn.handle(sendEvent(notification()))).result.reason).toBe('SENT');
    expect(fn.remaining('openid-zhang')).toBe(0);
  });

  it('43101 from WeChat skips with NO_SUBSCRIPTION and resets the count to 0', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 5);
    fn.fake.failSendsWith(43101, 'user refuse to accept the msg');

    const response = await fn.handle(sendEvent(notification()));

    expect(response.result).toMatchObject({ reason: 'NO_SUBSCRIPTION', errCode: 43101 });
    expect(resultKindOf(response.result.reason)).toBe('skipped');
    expect(fn.remaining('openid-zhang')).toBe(0);
  });

  it('a digest\'s assigner "王经理等2人" in a name keyword WeChat refuses (47003) goes out again as "王经理等人": the lead is not lost to its text', async () => {
    const fn = createTestFunction({ SUBSCRIBE_TEMPLATE_KEYWORDS: '{"thing1":"customerName","name2":"actorName"}' });
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    const sent: string[] = [];
    fn.fake.onSend(async (message) => {
      if (/\d/.test(message.data.name2?.value ?? '')) throw wxError(47003, 'argument invalid! data.name2.value invalid');
      sent.push(message.data.name2?.value ?? '');
    });

    const answer = await fn.handle(sendEvent(notification({ actor: { id: 'manager-1', name: '王经理等2人' } })));

    expect(answer.result).toMatchObject({ reason: 'SENT' });
    expect(sent).toEqual(['王经理等人']);
  });

  it('a database failure creating the probe\'s count is answered FUNCTION_STORE_ERROR, not tried again until the function is stopped', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    let adds = 0;
    fn.fake.onWrite((write) => {
      if (write.collection === 'subscription_quotas' && write.kind === 'add') {
        adds++;
        throw wxError(-502001, 'database request fail');
      }
    });

    const answer = await fn.handle(sendEvent(notification()));

    expect(answer.result).toMatchObject({ reason: 'FUNCTION_STORE_ERROR' });
    expect([adds, fn.fake.sent.length]).toEqual([1, 0]);
  });

  it('a text WeChat refuses when no time is left for a second send: NOT_ATTEMPTED, unit given back, the next invocation sends conservative text first', async () => {
    const fn = createTestFunction({ FUNCTION_TIMEOUT_MS: '3000', SEND_SAFETY_MARGIN_MS: '500' });
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    const sent: string[] = [];
    fn.fake.onSend(async (message) => {
      fn.clock.advance(1600);
      if (/\p{Extended_Pictographic}/u.test(JSON.stringify(message.data))) throw wxError(47003, 'argument invalid! data.thing1.value invalid');
      sent.push(message.data.thing1?.value ?? '');
    });
    const item = notification({ customers: [{ id: 'c-1', name: '张三😀' }] });

    const first = await fn.handle(sendEvent(item));
    expect(first.result).toMatchObject({ reason: 'NOT_ATTEMPTED' });
    expect(resultKindOf(first.result.reason)).toBe('requeue');
    expect(fn.remaining('openid-zhang')).toBe(1);

    const second = await fn.handle(sendEvent(item));
    expect(second.result).toMatchObject({ reason: 'SENT' });
    expect(sent).toEqual(['张三']);
    expect(fn.remaining('openid-zhang')).toBe(0);
  });

  it.each([
    [47003, 'TEMPLATE_DATA_INVALID'],
    [40003, 'OPENID_INVALID'],
    [40037, 'TEMPLATE_INVALID'],
    [41030, 'PAGE_INVALID'],
    [-604101, 'OPENAPI_PERMISSION_DENIED'],
  ])('errCode %i fails with %s, not retryable, and gives the subscription back', async (errCode, reason) => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    fn.fake.failSendsWith(errCode);

    const response = await fn.handle(sendEvent(notification()));

    expect(response.result).toMatchObject({ reason, errCode });
    expect(resultKindOf(response.result.reason)).toBe('permanent');
    expect(fn.remaining('openid-zhang')).toBe(1);
  });

  it.each([
    [45011, 'RATE_LIMITED'],
    [45009, 'DAILY_QUOTA_EXCEEDED'],
  ])('errCode %i is certainly not sent (%s): the unit is given back and a retry sends', async (errCode, reason) => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    fn.fake.failSendsWith(errCode, 'limit', 1);
    const item = notification();

    const first = await fn.handle(sendEvent(item));
    const countAfterFailure = fn.remaining('openid-zhang');
    const retry = await fn.handle(sendEvent(item));

    expect(first.result).toMatchObject({ reason, errCode });
    expect(resultKindOf(first.result.reason)).not.toBe('unconfirmed');
    expect(countAfterFailure).toBe(1);
    expect(retry.result).toMatchObject({ reason: 'SENT' });
    expect(fn.fake.sent).toHaveLength(1);
    expect(fn.remaining('openid-zhang')).toBe(0);
  });

  it.each([
    [-1, 'SYSTEM_BUSY'],
    [-501001, 'SYSTEM_BUSY'],
    [-604102, 'FUNCTION_TIMEOUT'],
  ])('errCode %i from the send may have gone out (%s): unconfirmed, the unit stays used, never sent again under its id', async (errCode, reason) => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 2);
    fn.fake.failSendsWith(errCode, 'system busy', 1);
    const item = notification();

    const first = await fn.handle(sendEvent(item));
    const again = await fn.handle(sendEvent(item));

    expect(first.result).toMatchObject({ reason, errCode });
    expect(resultKindOf(first.result.reason)).toBe('unconfirmed');
    expect(REASONS[reason as ReasonCode]).toMatchObject({ sendMayHaveGoneOut: true });
    expect(again.result).toEqual(first.result);
    expect(fn.remaining('openid-zhang')).toBe(1);

    // The CRM's explicit "send it again" comes as a new delivery.
    const resent = await fn.handle(sendEvent({ ...item, deliveryId: 'delivery-resend-1' }));

    expect(resent.result).toMatchObject({ reason: 'SENT' });
    expect(fn.fake.sent).toHaveLength(1);
    expect(fn.remaining('openid-zhang')).toBe(0);
  });

  it('a send that throws without an errcode is unconfirmed WECHAT_ERROR', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    fn.fake.onSend(async () => {
      throw new Error('socket hang up');
    });

    const response = await fn.handle(sendEvent(notification()));

    expect(response.result).toMatchObject({ reason: 'WECHAT_ERROR' });
    expect(resultKindOf(response.result.reason)).toBe('unconfirmed');
    expect(response.result.errCode).toBeUndefined();
    expect(fn.remaining('openid-zhang')).toBe(0);
  });

  it('an unknown errCode is a permanent UNKNOWN_ERRCODE', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    fn.fake.failSendsWith(12345);

    const response = await fn.handle(sendEvent(notification()));

    expect(response.result).toMatchObject({ reason: 'UNKNOWN_ERRCODE', errCode: 12345 });
    expect(resultKindOf(response.result.reason)).toBe('permanent');
  });

  it('a deliveryId that was already sent returns the recorded result without sending again', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 5);
    const item = notification();

    const first = await fn.handle(sendEvent(item));
    fn.clock.advance(60_000);
    const second = await fn.handle(sendEvent(item));

    expect(first.result.reason).toBe('SENT');
    expect(second.result).toMatchObject({ reason: 'ALREADY_SENT', sentAt: first.result.sentAt });
    expect(resultKindOf(second.result.reason)).toBe('sent');
    expect(fn.fake.sent).toHaveLength(1);
    expect(fn.remaining('openid-zhang')).toBe(4);
  });

  it('two concurrent runs of one notification send once; the other says it is in progress', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 5);
    fn.fake.onSend(() => new Promise((resolve) => setTimeout(resolve, 20)));
    const item = notification();

    const results = await Promise.all([fn.handle(sendEvent(item)), fn.handle(sendEvent(item))]);

    expect(results.map((r) => r.result.reason).sort()).toEqual(['IN_PROGRESS', 'SENT']);
    expect(fn.fake.sent).toHaveLength(1);
  });

  it('a delivery left "sending" by a run that died becomes unconfirmed SEND_INTERRUPTED once it is stale; never resent blindly', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    const item = notification();
    await fn.fake.cloud
      .database()
      .collection('notification_deliveries')
      .add({ data: { _id: item.deliveryId, state: 'sending', stateAt: fn.clock.now(), sendStartedAt: fn.clock.now(), openid: 'openid-zhang', templateId: TEMPLATE_ID } });

    const early = await fn.handle(sendEvent(item));
    fn.clock.advance(fn.config.functionTimeoutMs + 2_001);
    const late = await fn.handle(sendEvent(item));
    const later = await fn.handle(sendEvent(item));

    expect(early.result).toMatchObject({ reason: 'IN_PROGRESS' });
    expect(resultKindOf(early.result.reason)).toBe('requeue');
    expect(late.result).toMatchObject({ reason: 'SEND_INTERRUPTED' });
    expect(resultKindOf(late.result.reason)).toBe('unconfirmed');
    expect(later.result).toEqual(late.result);
    expect(fn.fake.sent).toHaveLength(0);
  });

  it('the stale threshold follows FUNCTION_TIMEOUT_MS', async () => {
    const fn = createTestFunction({ FUNCTION_TIMEOUT_MS: '20000' });
    const item = notification();
    await fn.fake.cloud.database().collection('notification_deliveries').add({ data: { _id: item.deliveryId, state: 'reserved', stateAt: fn.clock.now() } });

    fn.clock.advance(15_000);
    const young = await fn.handle(sendEvent(item));
    fn.clock.advance(8_000);
    const stale = await fn.handle(sendEvent(item));

    expect(young.result.reason).toBe('IN_PROGRESS');
    expect(stale.result.reason).toBe('NOT_BOUND');
  });

  it('a skipped notification can be tried again later, e.g. after the user binds', async () => {
    const fn = createTestFunction();
    const item = notification();
    expect((await fn.handle(sendEvent(item))).result.reason).toBe('NOT_BOUND');
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);

    expect((await fn.handle(sendEvent(item))).result.reason).toBe('SENT');
  });

  it('reports a missing template id on every send as CONFIG_INVALID', async () => {
    const fn = createTestFunction({ SUBSCRIBE_TEMPLATE_ID: '' });

    const response = await fn.handle(sendEvent(notification()));

    expect(response.result).toMatchObject({ reason: 'CONFIG_INVALID' });
    expect(resultKindOf(response.result.reason)).toBe('permanent');
    expect(response.result.message).toContain('SUBSCRIBE_TEMPLATE_ID');
  });

  it('uses the configured state, language and pages', async () => {
    const fn = createTestFunction({
      SUBSCRIBE_MINIPROGRAM_STATE: 'trial',
      SUBSCRIBE_LANG: 'en_US',
      CUSTOMER_PAGE: 'pages/lead/index',
    });
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);

    await fn.handle(sendEvent(notification({ customers: [{ id: 'x y', name: 'A' }] })));

    expect(fn.fake.sent[0]).toMatchObject({ miniprogramState: 'trial', lang: 'en_US', page: expect.stringMatching(/^pages\/lead\/index\?id=x%20y&deliveryId=/) });
  });

  it('refuses an invalid notification with the problems listed', async () => {
    const fn = createTestFunction();

    const response = await fn.handle({ type: 'sendCustomerAssignNotification', deliveryId: 'n', customers: [] });

    expect(response.ok).toBe(false);
    expect(response.error.code).toBe('INVALID_EVENT');
    expect(response.error.details.map((p: { path: string }) => p.path)).toEqual(
      expect.arrayContaining(['event.assigneeId', 'event.customers', 'event.via', 'event.actor', 'event.assignedAt']),
    );
  });

  it('a database failure becomes a structured error, not an exception', async () => {
    const broken = createTestFunction();
    broken.fake.cloud.database = () => {
      throw new Error('database down');
    };

    const response = await broken.handle(sendEvent(notification()));

    expect(response).toEqual({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'the cloud function failed; see its logs' } });
  });
});

describe('the template and WeChat\'s MsgID in results', () => {
  it('a send whose answer carries no msgid (the documented answer) names the template and no msgId', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);

    const { result } = await fn.handle(sendEvent(notification()));

    expect(result).toMatchObject({ reason: 'SENT', templateId: TEMPLATE_ID });
    expect(result).not.toHaveProperty('msgId');
  });

  it("a send whose answer carries WeChat's 19-digit msgid names it exactly, and a retry's answer carries it too", async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    fn.fake.onSend(async () => ({ msgid: '3248682510344192008' }));
    const item = notification();

    const first = (await fn.handle(sendEvent(item))).result;
    const retry = (await fn.handle(sendEvent(item))).result;

    expect(first).toMatchObject({ reason: 'SENT', templateId: TEMPLATE_ID, msgId: '3248682510344192008' });
    expect(retry).toMatchObject({ reason: 'ALREADY_SENT', templateId: TEMPLATE_ID, msgId: '3248682510344192008' });
    expect(fn.fake.docs('notification_deliveries')[0]?.result).toMatchObject({ msgId: '3248682510344192008' });
    expect(fn.fake.sent).toHaveLength(1);
  });

  it('an unconfirmed send names the template it may have gone out with, again when retried', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    fn.fake.failSendsWith(-1, 'system busy', 1);
    const item = notification();

    const first = (await fn.handle(sendEvent(item))).result;
    const again = (await fn.handle(sendEvent(item))).result;

    expect(first).toMatchObject({ reason: 'SYSTEM_BUSY', templateId: TEMPLATE_ID });
    expect(again).toEqual(first);
  });

  it("SEND_INTERRUPTED names the template of the dead run's record", async () => {
    const fn = createTestFunction();
    const item = notification();
    await fn.fake.cloud
      .database()
      .collection('notification_deliveries')
      .add({ data: { _id: item.deliveryId, state: 'sending', stateAt: fn.clock.now(), sendStartedAt: fn.clock.now(), openid: 'openid-zhang', templateId: 'tmpl-before-a-change' } });
    fn.clock.advance(fn.config.staleRecordMs + 1);

    const { result } = await fn.handle(sendEvent(item));

    expect(result).toMatchObject({ reason: 'SEND_INTERRUPTED', templateId: 'tmpl-before-a-change', openid: 'openid-zhang' });
  });

  it('a result recorded before results named their template takes it from its record', async () => {
    const fn = createTestFunction();
    const item = notification();
    const recorded = { deliveryId: item.deliveryId, reason: 'SENT', sentAt: '2026-11-24T02:00:00.000Z', openid: 'openid-zhang' };
    await fn.fake.cloud
      .database()
      .collection('notification_deliveries')
      .add({ data: { _id: item.deliveryId, state: 'sent', stateAt: fn.clock.now(), openid: 'openid-zhang', templateId: TEMPLATE_ID, result: recorded } });

    const { result } = await fn.handle(sendEvent(item));

    expect(result).toEqual({ ...recorded, reason: 'ALREADY_SENT', templateId: TEMPLATE_ID });
  });
});

describe('company, phone and source keywords', () => {
  it('shows the first customer\'s company, masked phone and source', async () => {
    const fn = createTestFunction({
      SUBSCRIBE_TEMPLATE_KEYWORDS: '{"thing1":"customerName","thing2":"customerCompany","phone_number3":"customerPhone","thing4":"customerSource"}',
    });
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);

    await fn.handle(sendEvent(notification({ customers: [{ id: 'c', name: '张三', company: '杭州某某科技', phone: '138****0000', source: '官网表单' }] })));

    expect(fn.fake.sent[0]?.data).toEqual({
      thing1: { value: '张三' },
      thing2: { value: '杭州某某科技' },
      phone_number3: { value: '138****0000' },
      thing4: { value: '官网表单' },
    });
  });
});

describe('customerCount', () => {
  it('counts all assigned customers when the payload lists only the first few', async () => {
    const fn = createTestFunction({ SUBSCRIBE_TEMPLATE_KEYWORDS: '{"thing1":"customerName","number2":"customerCount"}' });
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 1);
    const item = notification({ customers: [{ id: 'a', name: '张三' }, { id: 'b', name: '李四' }], customerCount: 300 });

    await fn.handle(sendEvent(item));

    expect(fn.fake.sent[0]?.data).toEqual({ thing1: { value: '张三等300位客户' }, number2: { value: '300' } });
  });

  it('refuses a customerCount smaller than the list', async () => {
    const fn = createTestFunction();

    const response = await fn.handle(sendEvent(notification({ customerCount: 0 })));

    expect(response.error.details).toEqual([{ path: 'event.customerCount', message: 'must be an integer no smaller than the number of customers listed' }]);
  });
});
