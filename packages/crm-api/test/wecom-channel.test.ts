import { Writable } from 'node:stream';
import { startLocalWechat, type LocalWechat } from '@leadnotify/wechat-emulator';
import { waitFor } from '@leadnotify/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { seeder, type SeededUser } from './helpers/seed.js';
import { createTestDatabase, testEngines, type TestDatabase } from './helpers/test-database.js';

/**
 * WeCom (企业微信) as the second channel, through the emulator's WeChat and WeCom: a lead that cannot go as a subscribe
 * message goes out on WeCom in the same moment, once, and every notification says which channel it went out on.
 */
describe.each(testEngines())('the WeCom channel on %s', (engine) => {
  let database: TestDatabase;
  let emulator: LocalWechat;
  let running: RunningServer;
  let manager: SeededUser;
  let admin: SeededUser;

  /** Real time plus what a test adds: WeCom's per-minute limit is waited out by moving it. */
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };

  beforeEach(async () => {
    offsetMs = 0;
    database = await createTestDatabase(engine);
    await database.db.close();
    emulator = await startLocalWechat({ functionName: 'quickstartFunctions', now: clock.now });
    running = await startServer(
      loadConfig({
        DATABASE_URL: database.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NOTIFY_POLL_MS: '50',
        NOTIFY_BACKOFF_BASE_MS: '50',
        NOTIFY_BACKOFF_MAX_MS: '200',
        ...emulator.env,
        WECOM_CORP_ID: emulator.wecom.corp.corpId,
        WECOM_AGENT_ID: String(emulator.wecom.corp.agentId),
        WECOM_AGENT_SECRET: emulator.wecom.corp.agentSecret,
        WECOM_API_BASE_URL: emulator.url,
        WECOM_CARD_URL: 'https://crm.example.com/customers/{customerId}?d={deliveryId}',
      }),
      createLogger('warn', new Writable({ write: (_chunk, _encoding, done) => done() })),
      { clock },
    );
    manager = await seeder(running.db).user('manager');
    admin = await seeder(running.db).user('admin');
  });
  afterEach(async () => {
    await running.stop();
    await emulator.stop();
    await database.drop();
  });

  const api = async (method: string, path: string, body?: unknown, who: SeededUser = manager) => {
    const response = await fetch(`${running.url}${path}`, { method, headers: who.headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as any };
  };
  async function salesperson(options: { acceptances: number; wecomUserId?: string; wecomMember?: boolean }): Promise<SeededUser> {
    const person = await seeder(running.db).user('sales');
    await emulator.setupUser(person.id, options.acceptances);
    if (options.wecomUserId) {
      expect((await api('PATCH', `/api/users/${person.id}`, { wecomUserId: options.wecomUserId }, admin)).status).toBe(200);
      if (options.wecomMember !== false) emulator.wecom.addMember(options.wecomUserId);
    }
    return person;
  }
  async function assign(to: SeededUser): Promise<{ id: string; customerId: string; expected: string; expectedChannel: string | null }> {
    const [customerId] = await seeder(running.db).customers(1);
    const answer = await api('POST', `/api/customers/${customerId}/assign`, { assigneeId: to.id });
    expect(answer.status).toBe(200);
    return { id: answer.body.notification.id, customerId: customerId!, expected: answer.body.notification.expected, expectedChannel: answer.body.notification.expectedChannel };
  }
  const settled = (id: string) =>
    waitFor(
      async () => (await api('GET', `/api/notifications/${id}`)).body,
      (n) => !['pending', 'sending'].includes(n.status),
      { what: `notification ${id} final`, timeoutMs: 15_000 },
    );

  it('no acceptance left and a WeCom userid: the lead goes out on WeCom at once, once, opening the customer', async () => {
    const person = await salesperson({ acceptances: 0, wecomUserId: 'zhangsan' });

    const lead = await assign(person);
    const final = await settled(lead.id);

    expect(lead.expected).toBe('reachable');
    // What the subscribe message said (none left) is kept beside the WeCom delivery: the next lead is known to go on WeCom.
    expect((await api('GET', `/api/users/${person.id}/reachability`)).body).toMatchObject({ wecomUserId: 'zhangsan', wecomReachable: true, expected: 'reachable', expectedChannel: 'wecom' });

    expect(final).toMatchObject({ status: 'sent', channel: 'wecom', reason: 'SENT' });
    expect(emulator.wecom.delivered).toHaveLength(1);
    expect(emulator.wecom.delivered[0]).toMatchObject({ touser: 'zhangsan', msgtype: 'textcard' });
    expect(emulator.wecom.delivered[0]!.content.url).toBe(`https://crm.example.com/customers/${lead.customerId}?d=${lead.id}`);
    expect(emulator.messages).toHaveLength(0);
    // Before it WeChat had said nothing of them; now the assignment says where its lead goes.
    expect([lead.expectedChannel, (await assign(person)).expectedChannel]).toEqual([null, 'wecom']);
  });

  it('a lead that reached them on WeCom is not sent again by the catch-up of their next acceptance', async () => {
    const person = await salesperson({ acceptances: 0, wecomUserId: 'qianqi' });
    const onWecom = await settled((await assign(person)).id);
    expect(onWecom).toMatchObject({ status: 'sent', channel: 'wecom' });

    // They accept a subscription (their report of it, as the kit sends it): nothing of theirs was skipped.
    emulator.subscribePopup(`emu-openid-${person.id}`, ['accept']);
    const report = await fetch(`${running.url}/api/me/subscription-answers`, { method: 'POST', headers: person.headers, body: JSON.stringify({ results: { 'emulator-lead-assigned': 'accept' } }) });

    expect(await report.json()).toEqual({ caughtUp: 0 });
    expect([emulator.messages.length, emulator.wecom.delivered.length]).toEqual([0, 1]);
  });

  it('WeCom drops what passes 30 a minute to one member without a word: 35 leads at once reach them all, none dropped', async () => {
    const person = await salesperson({ acceptances: 0, wecomUserId: 'burst' });

    const leads: Array<{ id: string }> = [];
    for (let lead = 0; lead < 35; lead++) leads.push(await assign(person));
    await waitFor(
      () => Promise.all(leads.map(async (lead) => (await api('GET', `/api/notifications/${lead.id}`)).body)),
      (all) => all.every((n) => n.status === 'sent' || n.reason === 'WECOM_MEMBER_LIMIT'),
      { what: 'every lead sent, or waiting for the minute to free', timeoutMs: 15_000 },
    );
    const inTheFirstMinute = emulator.wecom.delivered.length;
    offsetMs += 61_000;
    const final = await Promise.all(leads.map((lead) => settled(lead.id)));

    expect(inTheFirstMinute).toBeLessThanOrEqual(30);
    expect(final.map((n) => n.status)).toEqual(leads.map(() => 'sent'));
    // WeCom dropped nothing: every message the CRM records as sent was delivered.
    expect(emulator.wecom.dropped).toEqual([]);
  }, 40_000);

  it('an admin sets a WeCom userid by the salesperson\'s mobile: WeCom is asked whose it is; an unknown mobile is 404 and changes nothing', async () => {
    const person = await salesperson({ acceptances: 0 });
    emulator.wecom.addMember('ByMobile', '13800000001');

    const found = await api('PATCH', `/api/users/${person.id}`, { wecomMobile: '13800000001' }, admin);
    const unknown = await api('PATCH', `/api/users/${person.id}`, { wecomMobile: '13900000009' }, admin);
    const both = await api('PATCH', `/api/users/${person.id}`, { wecomMobile: '13800000001', wecomUserId: 'x' }, admin);

    expect([found.status, found.body.wecomUserId]).toEqual([200, 'bymobile']);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'WECOM_USER_NOT_FOUND']);
    expect(both.status).toBe(400);
    expect((await api('GET', `/api/users/${person.id}`, undefined, admin)).body.wecomUserId).toBe('bymobile');
    expect((await settled((await assign(person)).id))).toMatchObject({ status: 'sent', channel: 'wecom' });
  });

  it('with an acceptance in stock the subscribe message goes, and WeCom stays silent', async () => {
    const person = await salesperson({ acceptances: 1, wecomUserId: 'lisi' });

    const final = await settled((await assign(person)).id);

    expect(final).toMatchObject({ status: 'sent', channel: 'wechat-subscribe' });
    expect([emulator.messages.length, emulator.wecom.delivered.length]).toEqual([1, 0]);
  });

  it('an answer WeCom lost after delivering (HTTP 500): the retry is not delivered twice', async () => {
    const person = await salesperson({ acceptances: 0, wecomUserId: 'wangwu' });
    emulator.wecom.setFaults({ http500AfterDeliveryRate: 1 });

    const lead = await assign(person);
    await waitFor(() => emulator.wecom.delivered.length, (count) => count === 1, { what: 'the first, unanswered delivery' });
    emulator.wecom.setFaults({ http500AfterDeliveryRate: 0 });
    const final = await settled(lead.id);

    expect(final).toMatchObject({ status: 'sent', channel: 'wecom' });
    expect(final.attemptHistory.map((attempt: { reason: string }) => attempt.reason)).toEqual(['WECOM_UNANSWERED', 'SENT']);
    expect(emulator.wecom.delivered).toHaveLength(1);
  });

  it('a WeCom userid WeCom does not know: skipped on WeCom with the fix; with none at all, the subscribe skip stands', async () => {
    const unknown = await salesperson({ acceptances: 0, wecomUserId: 'zhaoliu', wecomMember: false });
    const without = await salesperson({ acceptances: 0 });

    const [invalid, none] = [await settled((await assign(unknown)).id), await settled((await assign(without)).id)];

    expect(invalid).toMatchObject({ status: 'skipped', channel: 'wecom', reason: 'WECOM_USER_INVALID' });
    expect(invalid.lastError).toContain('PATCH /api/users/:id');
    // Both words stand: WeCom refuses the userid, and the subscribe message has none left.
    expect((await api('GET', `/api/users/${unknown.id}/reachability`)).body).toMatchObject({ wecomUserId: 'zhaoliu', wecomReachable: false, expected: 'unreachable: NO_SUBSCRIPTION' });
    const next = await assign(without);
    expect([next.expected, next.expectedChannel]).toEqual(['unreachable: NO_SUBSCRIPTION', null]);
    expect(none).toMatchObject({ status: 'skipped', channel: 'wechat-subscribe', reason: 'NO_SUBSCRIPTION' });
    expect(emulator.wecom.delivered).toHaveLength(0);
  });
});
