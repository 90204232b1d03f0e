import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, snapshot, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

describe.each(testEngines())('assignments on %s', (engine) => {
  let t: TestApp;
  let manager: TestUser;
  let sales: TestUser;
  let otherSales: TestUser;

  beforeEach(async () => {
    t = await createTestApp(engine, { BATCH_ASSIGN_MAX: '400', POOL_MAX_OWNED_CUSTOMERS: '3', POOL_MAX_DAILY_CLAIMS: '2', POOL_RECLAIM_COOLDOWN_HOURS: '24' });
    manager = await t.user('manager', '王经理');
    sales = await t.user('sales', '张三');
    otherSales = await t.user('sales', '李四');
  });
  afterEach(() => t.close());

  async function historyOf(customerId: string) {
    return t.db.selectFrom('assignments').selectAll().where('customer_id', '=', customerId).orderBy('customer_version').execute();
  }

  async function notificationsOf(assigneeId: string) {
    return t.db.selectFrom('notifications').selectAll().where('assignee_id', '=', assigneeId).execute();
  }

  describe('assignCustomer (web)', () => {
    it('assigns, records history and writes one pending outbox row, returning its id', async () => {
      const customer = await t.customer({ name: '阿里巴巴' });

      const res = await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id, note: '重点客户' });

      expect(res.status).toBe(200);
      expect(res.body.customer).toMatchObject({ id: customer.id, ownerId: sales.id, inPool: false, version: 2 });
      expect(res.body.changed).toBe(true);
      expect(res.body.notification).toMatchObject({ assigneeId: sales.id, status: 'pending' });
      const history = await historyOf(customer.id);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ from_owner_id: null, to_owner_id: sales.id, actor_id: manager.id, via: 'web', note: '重点客户' });
      const [row] = await notificationsOf(sales.id);
      expect(row).toMatchObject({ id: res.body.notification.id, status: 'pending', attempts: 0, via: 'web', actor_id: manager.id });
      const links = await t.db.selectFrom('notification_customers').selectAll().where('notification_id', '=', row!.id).execute();
      expect(links).toEqual([{ notification_id: row!.id, customer_id: customer.id, customer_name: '阿里巴巴', customer_company: null, customer_phone: null, customer_source: null, position: 0 }]);
      expect(t.wakes()).toBe(1);
    });

    it('reassigns from one owner to another and records both owners', async () => {
      const customer = await t.customer();
      await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id });

      const res = await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: otherSales.id });

      expect(res.status).toBe(200);
      const history = await historyOf(customer.id);
      expect(history.map((h) => [h.from_owner_id, h.to_owner_id])).toEqual([
        [null, sales.id],
        [sales.id, otherSales.id],
      ]);
    });

    it('assigning to the current owner changes nothing, writes no history or notification, and says so', async () => {
      const customer = await t.customer();
      await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id });
      const before = await snapshot(t);

      const res = await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ changed: false, notification: null });
      expect(res.body.message).toMatch(/already owned/i);
      expect(await snapshot(t)).toEqual(before);
    });

    it('answers 404 for an unknown customer or assignee and 422 for an inactive assignee, changing nothing', async () => {
      const customer = await t.customer();
      const inactive = await t.user('sales');
      await t.db.updateTable('users').set({ active: 0 }).where('id', '=', inactive.id).execute();
      const before = await snapshot(t);

      const unknownCustomer = await t.as(manager).post('/api/customers/nope/assign', { assigneeId: sales.id });
      const unknownUser = await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: 'nobody' });
      const inactiveUser = await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: inactive.id });

      expect([unknownCustomer.status, unknownCustomer.body.error.code]).toEqual([404, 'CUSTOMER_NOT_FOUND']);
      expect([unknownUser.status, unknownUser.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
      expect([inactiveUser.status, inactiveUser.body.error.code]).toEqual([422, 'ASSIGNEE_INACTIVE']);
      expect(await snapshot(t)).toEqual(before);
    });

    it('commits the assignment and its outbox row together or not at all', async () => {
      const customer = await t.customer();
      if (engine === 'sqlite') {
        await sql`create trigger fail_outbox before insert on notifications begin select raise(abort, 'outbox down'); end`.execute(t.db);
      } else {
        await sql`create function fail_outbox() returns trigger language plpgsql as $$ begin raise exception 'outbox down'; end $$`.execute(t.db);
        await sql`create trigger fail_outbox before insert on notifications for each row execute function fail_outbox()`.execute(t.db);
      }
      const before = await snapshot(t);

      const res = await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id });

      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('INTERNAL_ERROR');
      expect(await snapshot(t)).toEqual(before);
      expect(t.wakes()).toBe(0);
    });
  });

  describe('assignCustomerForMiniprogram', () => {
    it('answers in the mini-program envelope and records via miniprogram', async () => {
      const customer = await t.customer();

      const res = await t.as(manager).post(`/api/miniprogram/customers/${customer.id}/assign`, { assigneeId: sales.id });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ code: 0, message: 'ok', data: { customer: { ownerId: sales.id }, notification: { status: 'pending' } } });
      expect((await historyOf(customer.id))[0]?.via).toBe('miniprogram');
      expect((await notificationsOf(sales.id))[0]?.via).toBe('miniprogram');
    });

    it('answers errors with a non-zero code in the same envelope, including auth errors', async () => {
      const customer = await t.customer();

      const missing = await t.as(manager).post('/api/miniprogram/customers/nope/assign', { assigneeId: sales.id });
      const noToken = await t.http().post(`/api/miniprogram/customers/${customer.id}/assign`).send({ assigneeId: sales.id });
      const badBody = await t.as(manager).post(`/api/miniprogram/customers/${customer.id}/assign`, { assignee: 1 });

      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ code: 404, data: null, error: { code: 'CUSTOMER_NOT_FOUND' } });
      expect(noToken.body).toMatchObject({ code: 401, error: { code: 'UNAUTHENTICATED' } });
      expect(badBody.body).toMatchObject({ code: 400, error: { code: 'VALIDATION_FAILED' } });
    });
  });

  describe('batchAssignCustomers', () => {
    it('assigns 300 customers to one user in one transaction with one outbox row listing all 300', async () => {
      const batch = await t.customers(300);

      const res = await t.as(manager).post('/api/customers/batch-assign', { customerIds: batch.map((c) => c.id), assigneeId: sales.id });

      expect(res.status).toBe(200);
      expect(res.body.changedIds).toHaveLength(300);
      expect(res.body.notifications).toHaveLength(1);
      const rows = await notificationsOf(sales.id);
      expect(rows).toHaveLength(1);
      const links = await t.db.selectFrom('notification_customers').select('customer_id').where('notification_id', '=', rows[0]!.id).execute();
      expect(new Set(links.map((l) => l.customer_id))).toEqual(new Set(batch.map((c) => c.id)));
      const owned = await t.db.selectFrom('customers').select('id').where('owner_id', '=', sales.id).execute();
      expect(owned).toHaveLength(300);
    });

    it('lists only the customers that changed owner; ones already owned are reported unchanged', async () => {
      const [a, b] = await t.customers(2);
      await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id });

      const res = await t.as(manager).post('/api/customers/batch-assign', { customerIds: [a!.id, b!.id], assigneeId: sales.id });

      expect(res.body).toMatchObject({ changedIds: [b!.id], unchangedIds: [a!.id] });
      const latest = await t.db.selectFrom('notification_customers').select('customer_id').where('notification_id', '=', res.body.notifications[0].id).execute();
      expect(latest.map((l) => l.customer_id)).toEqual([b!.id]);
    });

    it('is all or nothing: one unknown id changes nothing and names the missing id', async () => {
      const batch = await t.customers(5);
      const before = await snapshot(t);

      const res = await t.as(manager).post('/api/customers/batch-assign', {
        customerIds: [...batch.map((c) => c.id), 'missing-id'],
        assigneeId: sales.id,
      });

      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'CUSTOMER_NOT_FOUND', details: { missingIds: ['missing-id'] } });
      expect(await snapshot(t)).toEqual(before);
    });

    it('refuses a batch over the configured limit with a 4xx that states the limit', async () => {
      const ids = Array.from({ length: 401 }, (_, index) => `id-${index}`);
      const before = await snapshot(t);

      const res = await t.as(manager).post('/api/customers/batch-assign', { customerIds: ids, assigneeId: sales.id });

      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'BATCH_TOO_LARGE', details: { limit: 400, received: 401 } });
      expect(await snapshot(t)).toEqual(before);
    });

    it('refuses an empty batch', async () => {
      const res = await t.as(manager).post('/api/customers/batch-assign', { customerIds: [], assigneeId: sales.id });

      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('assignFromPool', () => {
    it('a sales user claims a pool customer for themselves', async () => {
      const customer = await t.customer();

      const res = await t.as(sales).post(`/api/pool/customers/${customer.id}/assign`);

      expect(res.status).toBe(200);
      expect(res.body.customer.ownerId).toBe(sales.id);
      expect((await historyOf(customer.id))[0]).toMatchObject({ via: 'pool', actor_id: sales.id, to_owner_id: sales.id });
      // Nobody is told of their own change.
      expect(res.body.notification).toBeNull();
      expect(await notificationsOf(sales.id)).toEqual([]);
    });

    it('a manager hands a pool customer to anyone; pool rules do not apply to managers', async () => {
      const owned = await t.customers(3);
      for (const c of owned) await t.as(manager).post(`/api/customers/${c.id}/assign`, { assigneeId: sales.id });
      const customer = await t.customer();

      const res = await t.as(manager).post(`/api/pool/customers/${customer.id}/assign`, { assigneeId: sales.id });

      expect(res.status).toBe(200);
      expect(res.body.customer.ownerId).toBe(sales.id);
      expect(res.body.notification).toMatchObject({ assigneeId: sales.id, status: 'pending' });
    });

    it('a sales user may not claim for someone else', async () => {
      const customer = await t.customer();

      const res = await t.as(sales).post(`/api/pool/customers/${customer.id}/assign`, { assigneeId: otherSales.id });

      expect(res.status).toBe(403);
    });

    it('a manager taking a customer someone owns from the pool answers 409 CUSTOMER_NOT_IN_POOL', async () => {
      const customer = await t.customer();
      await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: otherSales.id });
      const before = await snapshot(t);

      const res = await t.as(manager).post(`/api/pool/customers/${customer.id}/assign`, { assigneeId: sales.id });

      expect([res.status, res.body.error.code, res.body.error.details]).toEqual([409, 'CUSTOMER_NOT_IN_POOL', { customerIds: [customer.id] }]);
      expect(await snapshot(t)).toEqual(before);
    });

    it('when two sales users claim the same pool customer at once, exactly one wins; for the other it is now another\'s customer (404)', async () => {
      for (let round = 0; round < 5; round++) {
        const customer = await t.customer();
        const [first, second] = [await t.user('sales'), await t.user('sales')];

        const results = await Promise.all([
          t.as(first).post(`/api/pool/customers/${customer.id}/assign`),
          t.as(second).post(`/api/pool/customers/${customer.id}/assign`),
        ]);

        expect(results.map((r) => r.status).sort()).toEqual([200, 404]);
        const winner = results.find((r) => r.status === 200)!.body.customer.ownerId;
        expect((await historyOf(customer.id)).map((h) => h.to_owner_id)).toEqual([winner]);
        expect(await notificationsOf(winner)).toEqual([]);
      }
    });

    it('refuses a claim over the owned-customers limit with a 422 naming the rule', async () => {
      const owned = await t.customers(3);
      for (const c of owned) await t.as(manager).post(`/api/customers/${c.id}/assign`, { assigneeId: sales.id });
      const customer = await t.customer();

      const res = await t.as(sales).post(`/api/pool/customers/${customer.id}/assign`);

      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'POOL_MAX_OWNED_REACHED', details: { limit: 3, owned: 3 } });
    });

    it('refuses the claim after the daily limit, and allows it again the next day (Asia/Shanghai)', async () => {
      const pool = await t.customers(3);
      t.clock.set(Date.parse('2026-11-25T15:00:00Z')); // 23:00 in Shanghai
      expect((await t.as(sales).post(`/api/pool/customers/${pool[0]!.id}/assign`)).status).toBe(200);
      expect((await t.as(sales).post(`/api/pool/customers/${pool[1]!.id}/assign`)).status).toBe(200);

      const third = await t.as(sales).post(`/api/pool/customers/${pool[2]!.id}/assign`);
      expect(third.status).toBe(422);
      expect(third.body.error.code).toBe('POOL_DAILY_CLAIMS_REACHED');

      t.clock.set(Date.parse('2026-11-25T16:00:01Z')); // 00:00:01 the next day in Shanghai
      expect((await t.as(sales).post(`/api/pool/customers/${pool[2]!.id}/assign`)).status).toBe(200);
    });

    it('a former owner waits out the reclaim cooldown after releasing a customer', async () => {
      const customer = await t.customer();
      await t.as(sales).post(`/api/pool/customers/${customer.id}/assign`);
      const release = await t.as(sales).post(`/api/customers/${customer.id}/release`, { note: '联系不上' });
      expect(release.status).toBe(200);
      expect(release.body.customer.inPool).toBe(true);

      t.clock.advance(23 * 3_600_000);
      const early = await t.as(sales).post(`/api/pool/customers/${customer.id}/assign`);
      expect(early.status).toBe(422);
      expect(early.body.error.code).toBe('POOL_RECLAIM_COOLDOWN');
      expect((await t.as(otherSales).post(`/api/pool/customers/${customer.id}/assign`)).status).toBe(200);
    });

    it('the cooldown ends after the configured hours', async () => {
      const customer = await t.customer();
      await t.as(sales).post(`/api/pool/customers/${customer.id}/assign`);
      await t.as(sales).post(`/api/customers/${customer.id}/release`);

      t.clock.advance(24 * 3_600_000 + 1);
      expect((await t.as(sales).post(`/api/pool/customers/${customer.id}/assign`)).status).toBe(200);
    });

    it('concurrent claims by one user cannot both slip under the owned limit', async () => {
      const owned = await t.customers(2);
      for (const c of owned) await t.as(manager).post(`/api/customers/${c.id}/assign`, { assigneeId: sales.id });
      const [a, b] = await t.customers(2);

      const results = await Promise.all([
        t.as(sales).post(`/api/pool/customers/${a!.id}/assign`),
        t.as(sales).post(`/api/pool/customers/${b!.id}/assign`),
      ]);

      expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
      const count = await t.db.selectFrom('customers').select('id').where('owner_id', '=', sales.id).execute();
      expect(count).toHaveLength(3);
    });
  });

  describe('release', () => {
    it('only the owner or a manager may release; releasing a pool customer is a 409', async () => {
      const customer = await t.customer();
      await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id });

      expect((await t.as(otherSales).post(`/api/customers/${customer.id}/release`)).status).toBe(404);
      expect((await t.as(manager).post(`/api/customers/${customer.id}/release`)).status).toBe(200);
      const again = await t.as(manager).post(`/api/customers/${customer.id}/release`);
      expect([again.status, again.body.error.code]).toEqual([409, 'CUSTOMER_ALREADY_IN_POOL']);
      const history = await historyOf(customer.id);
      expect(history.map((h) => [h.via, h.to_owner_id])).toEqual([
        ['web', sales.id],
        ['release', null],
      ]);
    });
  });

  describe('who may receive customers', () => {
    it.each(['manager', 'admin'] as const)('assigning to an active %s answers 422 NOT_A_SALES_USER and writes nothing', async (role) => {
      const customer = await t.customer();
      const notSales = await t.user(role);
      const before = await snapshot(t);

      const single = await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: notSales.id });
      const batch = await t.as(manager).post('/api/customers/batch-assign', { customerIds: [customer.id], assigneeId: notSales.id });
      const pool = await t.as(manager).post(`/api/pool/customers/${customer.id}/assign`, { assigneeId: notSales.id });

      expect([single.status, single.body.error.code]).toEqual([422, 'NOT_A_SALES_USER']);
      expect([batch.status, batch.body.error.code]).toEqual([422, 'NOT_A_SALES_USER']);
      expect([pool.status, pool.body.error.code]).toEqual([422, 'NOT_A_SALES_USER']);
      expect(await snapshot(t)).toEqual(before);
    });

    it('a manager naming themselves from the pool gets 422 NOT_A_SALES_USER', async () => {
      const customer = await t.customer();

      const res = await t.as(manager).post(`/api/pool/customers/${customer.id}/assign`, { assigneeId: manager.id });

      expect([res.status, res.body.error.code]).toEqual([422, 'NOT_A_SALES_USER']);
    });

    it.each([['no body', undefined], ['a body without assigneeId', { note: '给谁？' }]])(
      'a manager taking from the pool with %s gets 400 saying assigneeId is required, and nothing changes',
      async (_name, body) => {
        const customer = await t.customer();
        const before = await snapshot(t);

        const request = t.http().post(`/api/pool/customers/${customer.id}/assign`).set('authorization', `Bearer ${manager.token}`);
        const res = await (body ? request.send(body) : request);

        expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
        expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'body.assigneeId' })]);
        expect(await snapshot(t)).toEqual(before);
      },
    );
  });

  describe('what a sales user may not see does not exist for them', () => {
    it("another sales user's customer answers 404 CUSTOMER_NOT_FOUND on every route, like an unknown id", async () => {
      const customer = await t.customer();
      await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: otherSales.id });

      const answers = [
        await t.as(sales).get(`/api/customers/${customer.id}`),
        await t.as(sales).patch(`/api/customers/${customer.id}`, { status: 'lost' }),
        await t.as(sales).get(`/api/customers/${customer.id}/assignments`),
        await t.as(sales).post(`/api/customers/${customer.id}/release`),
        await t.as(sales).post(`/api/pool/customers/${customer.id}/assign`),
      ];
      const unknown = await t.as(sales).get('/api/customers/no-such-id');
      const unknownInPool = await t.as(sales).post('/api/pool/customers/no-such-id/assign');

      for (const res of answers) expect([res.status, res.body.error.code]).toEqual([404, 'CUSTOMER_NOT_FOUND']);
      expect(answers[0]!.body.error.message).toBe(unknown.body.error.message.replace('no-such-id', customer.id));
      expect(answers[4]!.body).toEqual(JSON.parse(JSON.stringify(unknownInPool.body).replaceAll('no-such-id', customer.id)));
    });
  });
});
