import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from '../helpers/test-app.js';

const postgres = Boolean(process.env.TEST_DATABASE_URL);
if (!postgres) console.warn('[assignment-deadlock] TEST_DATABASE_URL is not set: skipped (row locks exist on PostgreSQL only).');

describe.skipIf(!postgres)('PostgreSQL: a self-claim racing a manager assigning the same customer to the same user', () => {
  let t: TestApp;
  let manager: TestUser;
  let sales: TestUser;

  beforeAll(async () => {
    t = await createTestApp('postgres', { POOL_MAX_DAILY_CLAIMS: '1000', POOL_MAX_OWNED_CUSTOMERS: '1000' });
    manager = await t.user('manager');
    sales = await t.user('sales');
  });
  afterAll(() => t.close());

  it('40 concurrent pairs never answer 500 (no deadlock), and each customer ends with the sales user, once', async () => {
    const customers = await t.customers(40);

    const answers = await Promise.all(
      customers.flatMap((customer) => [
        t.as(sales).post(`/api/pool/customers/${customer.id}/assign`, {}),
        t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: sales.id }),
      ]),
    );

    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((status) => status >= 500), JSON.stringify(answers.filter((res) => res.status >= 500).map((res) => res.body))).toEqual([]);
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
    const owners = await t.db.selectFrom('customers').select('owner_id').where('id', 'in', customers.map((c) => c.id)).execute();
    expect(owners.every((row) => row.owner_id === sales.id)).toBe(true);
    const history = await t.db.selectFrom('assignments').select('customer_id').where('customer_id', 'in', customers.map((c) => c.id)).execute();
    expect(history).toHaveLength(40);
  }, 60_000);
});
