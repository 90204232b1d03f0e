import { Writable } from 'node:stream';
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../src/domain/actor.js';
import { createApiToken } from '../src/domain/api-tokens.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { createUser } from '../src/domain/users.js';
import type { LocalWechat } from '@leadnotify/wechat-emulator';
import { createTestDatabase, testEngines, type TestDatabase } from './helpers/test-database.js';
import { withLocalWechat } from './helpers/test-server.js';
import { waitFor } from '@leadnotify/test-support';

const http = axios.create({ validateStatus: () => true });

describe.each(testEngines())('end to end on %s: crm-api and the WeChat emulator over HTTP', (engine) => {
  let database: TestDatabase;
  let running: RunningServer<LocalWechat>;
  let logLines: string[];

  beforeEach(async () => {
    database = await createTestDatabase(engine);
    await database.db.close();
    logLines = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
    running = await startServer(
      loadConfig({
        DATABASE_URL: database.url,
        PORT: '0',
        HOST: '127.0.0.1',
        NOTIFY_POLL_MS: '100',
        NOTIFY_BACKOFF_BASE_MS: '50',
        NOTIFY_BACKOFF_MAX_MS: '200',
        WECHAT_INVOKE_TIMEOUT_MS: '2000',
      }),
      logger,
      withLocalWechat,
    );
  });
  afterEach(async () => {
    await running.stop();
    await database.drop().catch(() => {});
  });

  async function user(role: 'manager' | 'sales', name: string, subscriptions: number | 'unbound' = 10) {
    const ctx = running.context;
    const created = await createUser(ctx, OPERATOR, { name, role });
    const token = await createApiToken(running.db.kysely, created.id, new Date());
    if (subscriptions !== 'unbound') await running.localWechat!.setupUser(created.id, subscriptions);
    return { ...created, token, headers: { authorization: `Bearer ${token}` } };
  }

  async function customer(headers: Record<string, string>, name: string) {
    return (await http.post(`${running.url}/api/customers`, { name }, { headers })).data as { id: string; name: string };
  }

  async function notification(id: string, headers: Record<string, string>) {
    return (await http.get(`${running.url}/api/notifications/${id}`, { headers })).data as { status: string; reason: string; attemptHistory: Array<{ outcome: string; reason: string }> };
  }

  const finished = (n: { status: string }) => !['pending', 'sending'].includes(n.status);

  /** Waits until no notification is pending or being sent: the notifier has finished every delivery. */
  async function outboxDrained(timeoutMs = 10_000) {
    await waitFor(
      () => running.db.kysely.selectFrom('notifications').select(['id', 'status']).where('status', 'in', ['pending', 'sending']).execute(),
      (open) => open.length === 0,
      { what: 'every notification to reach a final status', timeoutMs },
    );
  }

  async function messages() {
    return (await http.get(`${running.localWechat!.url}/_emulator/messages`)).data.items as Array<Record<string, any>>;
  }

  it('each of the four assignment routes puts the right message in front of the assignee', async () => {
    const manager = await user('manager', '王经理');
    const sales = await user('sales', '张三');
    const [a, b, c, d] = [await customer(manager.headers, '甲公司'), await customer(manager.headers, '乙公司'), await customer(manager.headers, '丙公司'), await customer(manager.headers, '丁公司')];

    const ids = [
      (await http.post(`${running.url}/api/customers/${a.id}/assign`, { assigneeId: sales.id, note: '今天联系' }, { headers: manager.headers })).data.notification.id,
      (await http.post(`${running.url}/api/miniprogram/customers/${b.id}/assign`, { assigneeId: sales.id }, { headers: manager.headers })).data.data.notification.id,
      (await http.post(`${running.url}/api/customers/batch-assign`, { customerIds: [c.id], assigneeId: sales.id }, { headers: manager.headers })).data.notifications[0].id,
      (await http.post(`${running.url}/api/pool/customers/${d.id}/assign`, { assigneeId: sales.id }, { headers: manager.headers })).data.notification.id,
    ];

    await outboxDrained();

    const delivered = await messages();
    const byNotification = new Map(delivered.map((message) => [message.deliveryId, message]));
    expect([...byNotification.keys()].sort()).toEqual([...ids].sort());
    expect(byNotification.get(ids[0])).toMatchObject({
      touser: `emu-openid-${sales.id}`,
      templateId: 'emulator-lead-assigned',
      page: `pages/customer/detail?id=${a.id}&deliveryId=${ids[0]}`,
      data: { thing1: { value: '甲公司' }, thing3: { value: '王经理' }, thing4: { value: '今天联系' }, time2: { value: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/) } },
    });
    expect(byNotification.get(ids[3])?.data.thing3.value).toBe('王经理');
    for (const id of ids) expect((await notification(id, manager.headers)).status).toBe('sent');
  });

  it('a salesperson claiming a pool customer for themselves is not sent a message about it, and keeps the acceptance', async () => {
    const manager = await user('manager', '王经理');
    const sales = await user('sales', '张三');
    const [claimed, given] = [await customer(manager.headers, '自己领的公司'), await customer(manager.headers, '经理给的公司')];

    const claim = await http.post(`${running.url}/api/pool/customers/${claimed.id}/assign`, {}, { headers: sales.headers });
    const assignment = await http.post(`${running.url}/api/customers/${given.id}/assign`, { assigneeId: sales.id }, { headers: manager.headers });
    await outboxDrained();

    expect([claim.status, claim.data.customer.ownerId, claim.data.notification]).toEqual([200, sales.id, null]);
    const history = await http.get(`${running.url}/api/customers/${claimed.id}/assignments`, { headers: manager.headers });
    expect(history.data.items).toMatchObject([{ via: 'pool', actorId: sales.id, toOwnerId: sales.id }]);
    const delivered = (await messages()).filter((message) => message.touser === `emu-openid-${sales.id}`);
    expect(delivered.map((message) => message.deliveryId)).toEqual([assignment.data.notification.id]);
    expect(delivered[0]?.data.thing1.value).toBe('经理给的公司');
  });

  it('batches to several users become one message per user', async () => {
    const manager = await user('manager', '王经理');
    const team = [await user('sales', '甲'), await user('sales', '乙'), await user('sales', '丙')];
    for (const member of team) {
      const ids = [];
      for (let index = 0; index < 4; index++) ids.push((await customer(manager.headers, `${member.name}的客户${index}`)).id);
      expect((await http.post(`${running.url}/api/customers/batch-assign`, { customerIds: ids, assigneeId: member.id }, { headers: manager.headers })).status).toBe(200);
    }

    await outboxDrained();

    const delivered = await messages();
    expect(delivered.map((m) => m.touser).sort()).toEqual(team.map((m) => `emu-openid-${m.id}`).sort());
    expect(delivered.every((m) => /等4位客户$/.test(m.data.thing1.value))).toBe(true);
  });

  it('an unbound user is skipped NOT_BOUND; a user without subscription is skipped NO_SUBSCRIPTION', async () => {
    const manager = await user('manager', '王经理');
    const unbound = await user('sales', '未绑定', 'unbound');
    const unsubscribed = await user('sales', '未订阅', 0);
    const [a, b] = [await customer(manager.headers, 'A'), await customer(manager.headers, 'B')];

    const first = (await http.post(`${running.url}/api/customers/${a.id}/assign`, { assigneeId: unbound.id }, { headers: manager.headers })).data.notification.id;
    const second = (await http.post(`${running.url}/api/customers/${b.id}/assign`, { assigneeId: unsubscribed.id }, { headers: manager.headers })).data.notification.id;

    expect(await waitFor(() => notification(first, manager.headers), finished)).toMatchObject({ status: 'skipped', reason: 'NOT_BOUND' });
    expect(await waitFor(() => notification(second, manager.headers), finished)).toMatchObject({ status: 'skipped', reason: 'NO_SUBSCRIPTION' });
    expect(running.localWechat!.messages).toEqual([]);
  });

  it('with 30% of calls failing with -1, every notification is delivered exactly once', async () => {
    const manager = await user('manager', '王经理');
    const sales = await user('sales', '张三', 100);
    running.localWechat!.setFaults({ failureRate: 0.3, errcode: -1 });
    const ids: string[] = [];
    for (let index = 0; index < 20; index++) {
      const created = await customer(manager.headers, `客户${index}`);
      const res = await http.post(`${running.url}/api/customers/${created.id}/assign`, { assigneeId: sales.id }, { headers: manager.headers });
      expect(res.status).toBe(200);
      ids.push(res.data.notification.id);
    }

    await outboxDrained(15_000);

    const delivered = await messages();
    expect(delivered.map((m) => m.deliveryId).sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await notification(id, manager.headers)).status).toBe('sent');
  });

  it('after a forced token expiry, notifications are still delivered', async () => {
    const manager = await user('manager', '王经理');
    const sales = await user('sales', '张三');
    const first = await customer(manager.headers, '第一');
    await http.post(`${running.url}/api/customers/${first.id}/assign`, { assigneeId: sales.id }, { headers: manager.headers });
    await waitFor(messages, (items) => items.length >= 1);

    running.localWechat!.expireTokens();
    const second = await customer(manager.headers, '第二');
    const id = (await http.post(`${running.url}/api/customers/${second.id}/assign`, { assigneeId: sales.id }, { headers: manager.headers })).data.notification.id;

    expect(await waitFor(() => notification(id, manager.headers), (n) => n.status === 'sent', { what: 'the notification after the token expiry to be sent' })).toMatchObject({ status: 'sent' });
  });

  it('while the emulator is down, assignments all succeed; notifications are delivered after it returns', async () => {
    const manager = await user('manager', '王经理');
    const sales = await user('sales', '张三');
    await running.localWechat!.stop();
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const created = await customer(manager.headers, `停机期间${index}`);
      const res = await http.post(`${running.url}/api/customers/${created.id}/assign`, { assigneeId: sales.id }, { headers: manager.headers });
      expect(res.status).toBe(200);
      ids.push(res.data.notification.id);
    }
    const triedWhileDown = await waitFor(
      () => Promise.all(ids.map((id) => notification(id, manager.headers))),
      (all) => all.every((n) => n.attemptHistory.length > 0),
      { what: 'an attempt on every notification while WeChat is down' },
    );
    for (const n of triedWhileDown) expect(n.attemptHistory[0]).toMatchObject({ outcome: 'retry', reason: 'NETWORK' });
    expect(running.localWechat!.messages).toEqual([]);

    await running.localWechat!.restart();

    const delivered = await waitFor(messages, (items) => items.length >= 5, { timeoutMs: 15_000 });
    expect(delivered.map((m) => m.deliveryId).sort()).toEqual([...ids].sort());
  });

  it('a binding ticket from the API binds the mini-program user through the real function', async () => {
    const manager = await user('manager', '王经理');
    const sales = await user('sales', '新同事', 'unbound');
    const ticket = (await http.post(`${running.url}/api/me/wechat-binding-ticket`, {}, { headers: sales.headers })).data.ticket;

    const bound = await http.post(`${running.localWechat!.url}/_emulator/miniprogram/call`, { openid: 'openid-new-phone', event: { type: 'bindCrmUser', ticket } });
    await http.post(`${running.localWechat!.url}/_emulator/subscriptions`, { openid: 'openid-new-phone', count: 1 });
    const created = await customer(manager.headers, '绑定后');
    await http.post(`${running.url}/api/customers/${created.id}/assign`, { assigneeId: sales.id }, { headers: manager.headers });

    expect(bound.data).toMatchObject({ ok: true, crmUserId: sales.id });
    const delivered = await waitFor(messages, (items) => items.length >= 1);
    expect(delivered[0]?.touser).toBe('openid-new-phone');
  });

  it('the logs never contain the AppSecret or an access token', async () => {
    const manager = await user('manager', '王经理');
    const sales = await user('sales', '张三');
    const created = await customer(manager.headers, '日志');
    await http.post(`${running.url}/api/customers/${created.id}/assign`, { assigneeId: sales.id }, { headers: manager.headers });
    await waitFor(messages, (items) => items.length >= 1);

    const logged = logLines.join('\n');
    expect(logged).toContain('WeChat access token refreshed');
    expect(logged).not.toContain(running.config.MINIPROGRAM_APPSECRET);
    expect(logged).not.toContain(manager.token);
  });
});
