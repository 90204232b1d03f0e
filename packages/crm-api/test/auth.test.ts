import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

describe.each(testEngines())('authentication and roles on %s', (engine) => {
  let t: TestApp;
  let admin: TestUser;
  let manager: TestUser;
  let sales: TestUser;

  beforeAll(async () => {
    t = await createTestApp(engine);
    admin = await t.user('admin');
    manager = await t.user('manager');
    sales = await t.user('sales');
  });
  afterAll(() => t.close());

  it('health checks need no token', async () => {
    expect((await t.http().get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await t.http().get('/readyz')).body).toEqual({ status: 'ready', database: engine });
  });

  it.each([
    ['GET', '/api/customers'],
    ['POST', '/api/customers'],
    ['GET', '/api/users'],
    ['POST', '/api/customers/batch-assign'],
    ['POST', '/api/pool/customers/x/assign'],
    ['GET', '/api/notifications'],
    ['GET', '/api/me'],
  ])('%s %s without a token answers 401', async (method, path) => {
    const res = await t.http()[method === 'GET' ? 'get' : 'post'](path);

    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('a malformed, unknown or deactivated user token answers 401', async () => {
    const gone = await t.user('sales');
    await t.as(admin).post(`/api/users/${gone.id}/deactivate`);

    for (const header of ['Basic abc', 'Bearer', 'Bearer lnk_not-a-real-token', `Bearer ${gone.token}`]) {
      const res = await t.http().get('/api/me').set('authorization', header);
      expect(res.status, header).toBe(401);
    }
  });

  it('a valid token identifies its user', async () => {
    const res = await t.as(sales).get('/api/me');

    expect(res.body).toMatchObject({ id: sales.id, role: 'sales', active: true });
  });

  /** [who, method, path builder, expected status] */
  const matrix: Array<[string, 'get' | 'post', (ids: { customer: string; user: string }) => string, object, Record<string, number>]> = [
    ['create user', 'post', () => '/api/users', { name: 'N', role: 'sales' }, { admin: 201, manager: 403, sales: 403 }],
    ['list users', 'get', () => '/api/users', {}, { admin: 200, manager: 200, sales: 403 }],
    ['deactivate user', 'post', ({ user }) => `/api/users/${user}/deactivate`, {}, { admin: 200, manager: 403, sales: 403 }],
    ['assign customer', 'post', ({ customer }) => `/api/customers/${customer}/assign`, { assigneeId: 'U' }, { admin: 200, manager: 200, sales: 403 }],
    ['batch assign', 'post', () => '/api/customers/batch-assign', { customerIds: ['C'], assigneeId: 'U' }, { admin: 200, manager: 200, sales: 403 }],
    ['miniprogram assign', 'post', ({ customer }) => `/api/miniprogram/customers/${customer}/assign`, { assigneeId: 'U' }, { admin: 200, manager: 200, sales: 403 }],
    ['create customer', 'post', () => '/api/customers', { name: '新客户' }, { admin: 201, manager: 201, sales: 201 }],
  ];

  it.each(matrix)('%s: admin, manager and sales get the expected status', async (_name, method, path, body, expected) => {
    for (const [role, who] of [['admin', admin], ['manager', manager], ['sales', sales]] as const) {
      const customer = await t.customer();
      const target = await t.user('sales');
      const filled = JSON.parse(JSON.stringify(body).replaceAll('"U"', JSON.stringify(target.id)).replaceAll('"C"', JSON.stringify(customer.id)));
      const url = path({ customer: customer.id, user: target.id });
      const res = method === 'get' ? await t.as(who).get(url) : await t.as(who).post(url, filled);
      expect(res.status, `${role} ${url}`).toBe(expected[role]);
    }
  });

  it("sales users cannot see or edit another sales user's customer, but can see the pool and their own", async () => {
    const other = await t.user('sales');
    const theirs = await t.customer();
    const mine = await t.customer();
    const pooled = await t.customer();
    await t.as(manager).post(`/api/customers/${theirs.id}/assign`, { assigneeId: other.id });
    await t.as(manager).post(`/api/customers/${mine.id}/assign`, { assigneeId: sales.id });

    expect((await t.as(sales).get(`/api/customers/${theirs.id}`)).status).toBe(404);
    expect((await t.as(sales).patch(`/api/customers/${theirs.id}`, { status: 'lost' })).status).toBe(404);
    expect((await t.as(sales).get(`/api/customers/${theirs.id}/assignments`)).status).toBe(404);
    expect((await t.as(sales).get(`/api/customers/${mine.id}`)).status).toBe(200);
    expect((await t.as(sales).get(`/api/customers/${pooled.id}`)).status).toBe(200);
    expect((await t.as(sales).get(`/api/customers?ownerId=${other.id}`)).status).toBe(403);
    const listed = await t.as(sales).get('/api/customers?limit=200');
    const ids = listed.body.items.map((c: { id: string }) => c.id);
    expect(ids).toContain(mine.id);
    expect(ids).toContain(pooled.id);
    expect(ids).not.toContain(theirs.id);
  });

  it('an admin cannot deactivate themselves', async () => {
    const res = await t.as(admin).post(`/api/users/${admin.id}/deactivate`);

    expect(res.status).toBe(403);
  });
});
