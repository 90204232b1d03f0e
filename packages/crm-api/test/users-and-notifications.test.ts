import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';
import { waitFor } from '@leadnotify/test-support';
import { testEngines } from './helpers/test-database.js';

describe.each(testEngines())('users and notifications on %s', (engine) => {
  let t: TestApp;
  let admin: TestUser;
  let manager: TestUser;
  let sales: TestUser;

  beforeEach(async () => {
    t = await createTestApp(engine);
    admin = await t.user('admin');
    manager = await t.user('manager');
    sales = await t.user('sales');
  });
  afterEach(() => t.close());

  it('an admin creates, lists, reads and deactivates users', async () => {
    t.clock.advance(1);
    const created = await t.as(admin).post('/api/users', { name: '赵六', role: 'sales' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: '赵六', role: 'sales', active: true });

    const salesList = await t.as(admin).get('/api/users?role=sales');
    expect(salesList.body.items.map((u: { id: string }) => u.id)).toEqual([sales.id, created.body.id]);

    const deactivated = await t.as(admin).post(`/api/users/${created.body.id}/deactivate`);
    expect(deactivated.body.active).toBe(false);
    const active = await t.as(admin).get('/api/users?active=true');
    expect(active.body.items.map((u: { id: string }) => u.id)).not.toContain(created.body.id);
    expect((await t.as(admin).get(`/api/users/${created.body.id}`)).body.active).toBe(false);
  });

  it('unknown users answer 404; a sales user reads only themselves', async () => {
    expect((await t.as(admin).get('/api/users/unknown')).status).toBe(404);
    expect((await t.as(admin).post('/api/users/unknown/deactivate')).status).toBe(404);
    expect((await t.as(sales).get(`/api/users/${sales.id}`)).status).toBe(200);
    expect((await t.as(sales).get(`/api/users/${manager.id}`)).status).toBe(403);
  });

  it('shows a notification with its customers, and filters the list by customer, assignee and status', async () => {
    const [a, b] = await t.customers(2);
    const batch = await t.as(manager).post('/api/customers/batch-assign', { customerIds: [a!.id, b!.id], assigneeId: sales.id });
    const other = await t.user('sales');
    const single = await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: other.id });
    const batchId = batch.body.notifications[0].id;

    const shown = await t.as(manager).get(`/api/notifications/${batchId}`);
    expect(shown.body).toMatchObject({
      id: batchId,
      assigneeId: sales.id,
      actorId: manager.id,
      via: 'batch',
      status: 'pending',
      attempts: 0,
      customers: [
        { id: a!.id, name: a!.name },
        { id: b!.id, name: b!.name },
      ],
    });

    const byCustomer = await t.as(manager).get(`/api/notifications?customerId=${a!.id}`);
    expect(byCustomer.body.items.map((n: { id: string }) => n.id).sort()).toEqual([batchId, single.body.notification.id].sort());
    const byAssignee = await t.as(manager).get(`/api/notifications?assigneeId=${other.id}`);
    expect(byAssignee.body.items.map((n: { id: string }) => n.id)).toEqual([single.body.notification.id]);
    const sent = await t.as(manager).get('/api/notifications?status=sent');
    expect(sent.body.items).toEqual([]);
  });

  it('a sales user sees only notifications addressed to them', async () => {
    const customer = await t.customer();
    const other = await t.user('sales');
    const res = await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: other.id });

    expect((await t.as(sales).get(`/api/notifications/${res.body.notification.id}`)).status).toBe(404);
    expect((await t.as(other).get(`/api/notifications/${res.body.notification.id}`)).status).toBe(200);
    expect((await t.as(sales).get('/api/notifications')).body.items).toEqual([]);
  });

  it('logs carry a request id and never the authorization header', async () => {
    const res = await t.as(manager).get('/api/me').set('x-request-id', 'req-123');

    expect(res.headers['x-request-id']).toBe('req-123');
    const logged = t.logLines.join('\n');
    expect(logged).toContain('req-123');
    expect(logged).not.toContain(manager.token);
  });

  it('logs one line per request when it ends: id, method, path without its query, status, time and user', async () => {
    const res = await t.as(manager).get('/api/customers?limit=1&status=contacted').set('x-request-id', 'req-line');
    expect(res.status).toBe(200);
    const lines = await waitFor(
      () => t.logLines.map((line) => JSON.parse(line)).filter((line) => line.reqId === 'req-line'),
      (found) => found.length > 0,
      { what: 'the request line of req-line' },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request completed', req: { method: 'GET', path: '/api/customers' }, res: { statusCode: 200 }, userId: manager.id });
    expect(typeof lines[0].responseTime).toBe('number');
    expect(t.logLines.join('\n')).not.toContain('status=contacted');

    await t.http().get('/api/me').set('x-request-id', 'req-anonymous');
    const anonymous = await waitFor(
      () => t.logLines.map((line) => JSON.parse(line)).find((line) => line.reqId === 'req-anonymous'),
      (found) => found !== undefined,
      { what: 'the request line of req-anonymous' },
    );
    expect(anonymous).toMatchObject({ res: { statusCode: 401 } });
    expect(anonymous.userId).toBeUndefined();
  });
});
