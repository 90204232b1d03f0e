import { afterEach, describe, expect, it } from 'vitest';
import { catchUp } from '../src/delivery/catch-up.js';
import { resendUnreceipted } from '../src/delivery/resend-unreceipted.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

describe.each(testEngines())('a catch-up digest and the no-receipt resend on %s', (engine) => {
  let t: TestApp;
  afterEach(() => t.close());

  it('a caught-up digest that ends unconfirmed without a receipt is resent whole, not in part', async () => {
    t = await createTestApp(engine, { WECHAT_PUSH_TOKEN: 'push-token' });
    const manager = await t.user('manager');
    const sales = await t.user('sales');
    const [a, b] = await t.customers(2);
    const rowA = (await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id })).body.notification.id as string;
    t.clock.advance(1000);
    const rowB = (await t.as(manager).post(`/api/customers/${b!.id}/assign`, { assigneeId: sales.id })).body.notification.id as string;
    // A: unconfirmed, resent once for lack of a receipt, and that resend was skipped (no subscription left).
    await t.db.updateTable('notifications').set({ status: 'skipped', reason: 'NO_SUBSCRIPTION', delivery_id: 'resend-of-a', no_receipt_resent: 1, attempts: 2 }).where('id', '=', rowA).execute();
    // B: skipped on its first attempt.
    await t.db.updateTable('notifications').set({ status: 'skipped', reason: 'NO_SUBSCRIPTION', delivery_id: rowB, attempts: 1 }).where('id', '=', rowB).execute();

    // The salesperson accepts: both go out as one digest...
    const now = () => new Date(t.clock.now()).toISOString();
    expect(await catchUp(t.delivery, sales.id)).toBe(2);
    // ...which WeChat answers ambiguously, and no receipt comes.
    await t.db.updateTable('notifications').set({ status: 'unconfirmed', reason: 'SYSTEM_BUSY', wechat_openid: 'o1', updated_at: now() }).execute();
    t.clock.advance(3_600_000);
    expect(await resendUnreceipted(t.delivery)).toBe(2);

    const rows = await t.db.selectFrom('notifications').select(['id', 'status', 'delivery_id']).orderBy('created_at').execute();
    expect(new Set(rows.map((row) => row.delivery_id)).size).toBe(1);
    expect(rows[0]!.status).toBe(rows[1]!.status);
  });
});
