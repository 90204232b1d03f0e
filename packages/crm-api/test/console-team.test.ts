import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInToConsole } from './helpers/console-session.js';
import { seedNotifications } from './helpers/seed-notifications.js';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

const WECOM_ENV = { WECOM_CORP_ID: 'ww-test', WECOM_AGENT_ID: '1000002', WECOM_AGENT_SECRET: 'wecom-secret-value', WECOM_CARD_URL: 'https://crm.example.com/c/{customerId}' };

describe.each(testEngines())('GET /api/console/team on %s', (engine) => {
  let t: TestApp;
  let admin: TestUser;
  let manager: TestUser;
  let newcomer: TestUser;
  let unbound: TestUser;
  let reachable: TestUser;
  let usedUp: TestUser;
  let customerId: string;
  const iso = (minutes: number) => new Date(Date.parse('2026-11-25T00:00:00Z') + minutes * 60_000).toISOString();

  beforeAll(async () => {
    t = await createTestApp(engine, WECOM_ENV);
    admin = await t.user('admin');
    manager = await t.user('manager');
    newcomer = await t.user('sales', '新人');
    unbound = await t.user('sales', '未绑定');
    reachable = await t.user('sales', '张三');
    usedUp = await t.user('sales', '李四');
    const gone = await t.user('sales', '已离职');
    await t.as(admin).post(`/api/users/${gone.id}/deactivate`);
    customerId = (await t.customer()).id;
    const by = { actorId: manager.id, customerId };
    await seedNotifications(t.db, by, [
      { assigneeId: unbound.id, createdAt: iso(1), status: 'skipped', reason: 'NOT_BOUND', updatedAt: iso(2) },
      { assigneeId: reachable.id, createdAt: iso(3), sentAt: iso(4), openid: 'o-zhang', customerName: '王五公司' },
      { assigneeId: usedUp.id, createdAt: iso(5), sentAt: iso(6), openid: 'o-li', customerName: '赵六' },
      { assigneeId: usedUp.id, createdAt: iso(7), status: 'skipped', reason: 'NO_SUBSCRIPTION', updatedAt: iso(8) },
    ]);
    await t.db
      .insertInto('wechat_subscriptions')
      .values([
        { openid: 'o-zhang', template_id: 'tmpl-a', crm_user_id: reachable.id, remaining: 2, refused: 0, version: 1, updated_at: iso(5) },
        { openid: 'o-zhang', template_id: 'tmpl-b', crm_user_id: reachable.id, remaining: 0, refused: 1, version: 1, updated_at: iso(5) },
        { openid: 'o-li', template_id: 'tmpl-a', crm_user_id: usedUp.id, remaining: 0, refused: 0, version: 1, updated_at: iso(7) },
      ])
      .execute();
    expect((await t.as(admin).patch(`/api/users/${usedUp.id}`, { wecomUserId: 'lisi' })).status).toBe(200);
  });
  afterAll(() => t.close());

  it('a manager sees every active salesperson with what the next lead would do, in words', async () => {
    const res = await t.as(manager).get('/api/console/team');

    expect(res.status).toBe(200);
    const byId = new Map(res.body.items.map((item: { user: { id: string } }) => [item.user.id, item]));
    expect([...byId.keys()]).toEqual([newcomer.id, unbound.id, reachable.id, usedUp.id]);
    expect(byId.get(newcomer.id)).toEqual({
      user: { id: newcomer.id, name: '新人', role: 'sales' },
      // Nobody told the CRM anything: unknown, not "not bound".
      binding: { bound: null, since: null },
      stock: {},
      always: [],
      mainSwitch: null,
      settingsReportedAt: null,
      turnedOff: [],
      wecom: { userId: null, reachable: false },
      lastDelivered: null,
      lastSkipped: null,
      nextLead: { reaches: false, channel: null, text: '尚不确定：微信还没有告诉我们' },
    });
    expect(byId.get(unbound.id)).toMatchObject({
      binding: { bound: false, since: null },
      lastSkipped: { at: iso(2), reason: 'NOT_BOUND', reasonText: '未绑定微信' },
      nextLead: { reaches: false, channel: null, text: '不会收到：未绑定' },
    });
    expect(byId.get(reachable.id)).toMatchObject({
      binding: { bound: true, since: iso(4) },
      stock: { 'tmpl-a': 2, 'tmpl-b': 0 },
      turnedOff: ['tmpl-b'],
      lastDelivered: { at: iso(4), customerName: '王五公司' },
      lastSkipped: null,
      nextLead: { reaches: true, channel: 'wechat', text: '会立即收到' },
    });
    expect(byId.get(usedUp.id)).toMatchObject({
      binding: { bound: true },
      stock: { 'tmpl-a': 0 },
      // Used up is not turned off: the next tap gives more.
      turnedOff: [],
      wecom: { userId: 'lisi', reachable: true },
      lastDelivered: { at: iso(6), customerName: '赵六' },
      lastSkipped: { reason: 'NO_SUBSCRIPTION', reasonText: '没有可用的订阅次数' },
      nextLead: { reaches: true, channel: 'wecom', text: '会立即收到（企业微信）' },
    });
  });

  it("shows the lead templates a salesperson's phone keeps \"always\", as the kit reported them, with the time", async () => {
    const reported = await t.as(reachable).post('/api/me/subscription-settings', { mainSwitch: true, always: ['tmpl-a', 'tmpl-a'] });

    const row = (await t.as(manager).get('/api/console/team')).body.items.find((item: { user: { id: string } }) => item.user.id === reachable.id);
    expect(reported.status).toBe(200);
    expect(row).toMatchObject({ always: ['tmpl-a'], mainSwitch: true, settingsReportedAt: reported.body.reportedAt, nextLead: { reaches: true, channel: 'wechat' } });
  });

  it('a phone with every subscribe message off: the row says so, and the next lead does not reach them by subscription', async () => {
    const before = (await t.as(manager).get(`/api/users/${reachable.id}/reachability`)).body;
    await t.as(reachable).post('/api/me/subscription-settings', { mainSwitch: false, always: [] });

    const row = (await t.as(manager).get('/api/console/team')).body.items.find((item: { user: { id: string } }) => item.user.id === reachable.id);
    const after = (await t.as(manager).get(`/api/users/${reachable.id}/reachability`)).body;
    await t.as(reachable).post('/api/me/subscription-settings', { mainSwitch: true, always: ['tmpl-a'] });
    const backOn = (await t.as(manager).get(`/api/users/${reachable.id}/reachability`)).body;

    expect(before).toMatchObject({ mainSwitchOff: false, expected: 'reachable' });
    expect(row).toMatchObject({ mainSwitch: false, always: [], binding: { bound: true }, nextLead: { reaches: false, channel: null } });
    expect(after).toMatchObject({ mainSwitchOff: true, expected: 'unreachable: NO_SUBSCRIPTION' });
    expect(backOn).toMatchObject({ mainSwitchOff: false, expected: 'reachable' });
  });

  it('refuses a settings report that is not what wx.getSetting shows of the lead templates', async () => {
    const tooMany = await t.as(reachable).post('/api/me/subscription-settings', { mainSwitch: true, always: ['a', 'b', 'c', 'd'] });
    const noSwitch = await t.as(reachable).post('/api/me/subscription-settings', { always: [] });
    const notAList = await t.as(reachable).post('/api/me/subscription-settings', { mainSwitch: true, always: 'tmpl-a' });

    expect([tooMany.status, noSwitch.status, notAList.status]).toEqual([400, 400, 400]);
    expect(noSwitch.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('each row agrees with GET /api/users/:id/reachability', async () => {
    const team = (await t.as(manager).get('/api/console/team')).body.items as Array<{ user: { id: string }; nextLead: { reaches: boolean } }>;
    for (const row of team) {
      const reach = (await t.as(manager).get(`/api/users/${row.user.id}/reachability`)).body;
      expect(row.nextLead.reaches, row.user.id).toBe(reach.expected === 'reachable');
    }
  });

  it('a sales user sees only themselves, also through a console session', async () => {
    const console = await signInToConsole(t, reachable.id);

    const res = await console.get('/api/console/team');

    expect(res.body.items.map((item: { user: { id: string } }) => item.user.id)).toEqual([reachable.id]);
  });
});
