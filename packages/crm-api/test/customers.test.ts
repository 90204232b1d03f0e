import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

describe.each(testEngines())('customers on %s', (engine) => {
  let t: TestApp;
  let manager: TestUser;
  let sales: TestUser;

  beforeEach(async () => {
    t = await createTestApp(engine);
    manager = await t.user('manager');
    sales = await t.user('sales');
  });
  afterEach(() => t.close());

  it('creates a customer in the pool and reads it back', async () => {
    const created = await t.as(sales).post('/api/customers', { name: '腾讯', phone: '+86 138-0000-0000', company: '腾讯科技', source: '展会' });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: '腾讯', inPool: true, ownerId: null, status: 'new', version: 1 });
    const fetched = await t.as(manager).get(`/api/customers/${created.body.id}`);
    expect(fetched.body).toEqual(created.body);
  });

  it('answers 404 for an unknown customer', async () => {
    const res = await t.as(manager).get('/api/customers/unknown');

    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('CUSTOMER_NOT_FOUND');
  });

  it('filters by owner, pool and status', async () => {
    const [a, b, c] = await t.customers(3);
    await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id });
    await t.as(manager).patch(`/api/customers/${b!.id}`, { status: 'qualified' });

    const owned = await t.as(manager).get(`/api/customers?ownerId=${sales.id}`);
    const pool = await t.as(manager).get('/api/customers?inPool=true');
    const notPool = await t.as(manager).get('/api/customers?inPool=false');
    const qualified = await t.as(manager).get('/api/customers?status=qualified');

    expect(owned.body.items.map((x: { id: string }) => x.id)).toEqual([a!.id]);
    expect(pool.body.items.map((x: { id: string }) => x.id)).toEqual([b!.id, c!.id]);
    expect(notPool.body.items.map((x: { id: string }) => x.id)).toEqual([a!.id]);
    expect(qualified.body.items.map((x: { id: string }) => x.id)).toEqual([b!.id]);
  });

  it.each([
    ['', 1],
    ['&order=oldest', 1],
    ['&order=newest', -1],
  ])('pages through every customer exactly once with the cursor (%s)', async (order, direction) => {
    const created = [];
    for (let index = 0; index < 7; index++) {
      created.push(await t.customer({ name: `C${index}` }));
      if (index % 2 === 0) t.clock.advance(1000);
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.as(manager).get(`/api/customers?limit=3${order}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((x: { id: string }) => x.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);

    expect(pages).toBe(3);
    const expectedOrder = [...created].sort((x, y) => direction * (x.createdAt.localeCompare(y.createdAt) || x.id.localeCompare(y.id)));
    expect(seen).toEqual(expectedOrder.map((c) => c.id));
  });

  it('a sales user with more customers than a page sees the newest first with order=newest', async () => {
    const customers = [];
    for (let index = 0; index < 4; index++) {
      customers.push(await t.customer({ name: `N${index}` }));
      t.clock.advance(1000);
    }
    await t.as(manager).post('/api/customers/batch-assign', { customerIds: customers.map((c) => c.id), assigneeId: sales.id });

    const newest = await t.as(sales).get(`/api/customers?ownerId=${sales.id}&order=newest&limit=2`);

    expect(newest.body.items.map((x: { name: string }) => x.name)).toEqual(['N3', 'N2']);
    expect((await t.as(sales).get('/api/customers?order=latest')).status).toBe(400);
  });

  it('updates fields, bumps the version, and refuses a stale version with 409', async () => {
    const customer = await t.customer();

    const updated = await t.as(manager).patch(`/api/customers/${customer.id}`, { status: 'contacted', phone: null, version: 1 });
    const stale = await t.as(manager).patch(`/api/customers/${customer.id}`, { status: 'won', version: 1 });

    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ status: 'contacted', phone: null, version: 2 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('VERSION_CONFLICT');
    expect((await t.as(manager).get(`/api/customers/${customer.id}`)).body.status).toBe('contacted');
  });

  it('an update with nothing to change is a 400; owner cannot be changed by update', async () => {
    const customer = await t.customer();

    expect((await t.as(manager).patch(`/api/customers/${customer.id}`, {})).status).toBe(400);
    expect((await t.as(manager).patch(`/api/customers/${customer.id}`, { ownerId: sales.id })).status).toBe(400);
  });

  it('a sales user edits a customer they own but not one in the pool', async () => {
    const [mine, pooled] = await t.customers(2);
    await t.as(sales).post(`/api/pool/customers/${mine!.id}/assign`);

    expect((await t.as(sales).patch(`/api/customers/${mine!.id}`, { status: 'contacted' })).status).toBe(200);
    expect((await t.as(sales).patch(`/api/customers/${pooled!.id}`, { status: 'contacted' })).status).toBe(403);
  });

  it('shows the ownership history in order, including releases', async () => {
    const customer = await t.customer();
    const other = await t.user('sales');
    await t.as(sales).post(`/api/pool/customers/${customer.id}/assign`);
    await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: other.id, note: '换人跟进' });
    await t.as(manager).post(`/api/customers/${customer.id}/release`);

    const res = await t.as(manager).get(`/api/customers/${customer.id}/assignments`);

    expect(res.body.items.map((h: { fromOwnerId: string; toOwnerId: string; via: string }) => [h.fromOwnerId, h.toOwnerId, h.via])).toEqual([
      [null, sales.id, 'pool'],
      [sales.id, other.id, 'web'],
      [other.id, null, 'release'],
    ]);
    expect(res.body.items[1]).toMatchObject({ actorId: manager.id, note: '换人跟进' });
  });
});
