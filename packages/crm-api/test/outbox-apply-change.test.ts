import { afterEach, describe, expect, it } from 'vitest';
import { claimMessages } from '../src/delivery/claim-messages.js';
import { applyChanges, changeFor, type ChangeToApply } from '../src/delivery/outbox/apply-change.js';
import type { Change } from '../src/delivery/states/transition.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

/**
 * applyChanges writes a batch's changes in as few statements as it can: each row must still get its own message's
 * values, and only rows still in the state the change was decided on.
 */
describe.each(testEngines())('applying changes on %s', (engine) => {
  let t: TestApp;
  afterEach(() => t.close());

  const sent = (deliveryId: string, sentAt: string, openid: string): Change => ({
    status: 'sent',
    deliveryId,
    attempts: 'count',
    reason: 'SENT',
    lastError: null,
    sentAt,
    recipient: { openid, templateId: `template-of-${openid}` },
    fateUnknown: false,
    resentForNoReceipt: false,
    attempt: { outcome: 'sent', reason: 'SENT', errorCode: null, errorMessage: null },
  });

  it('gives each message its own send time, recipient and delivery id, and skips a row someone else changed', async () => {
    t = await createTestApp(engine, { NOTIFY_DIGEST_SECONDS: '0' });
    const manager = await t.user('manager');
    const zhang = await t.user('sales', '张三');
    const li = await t.user('sales', '李四');
    const customers = await t.customers(5);
    for (const [index, customer] of customers.entries()) {
      await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: (index === 0 ? zhang : li).id });
    }
    const claimed = await claimMessages(t.delivery, 'worker-1');
    expect(claimed).toHaveLength(5);
    const [zhangs, lis, taken, renamed, alsoRenamed] = claimed.map(({ message, rows }) => ({ ...rows[0]!, delivery_id: message.deliveryId }));
    // One row was taken back meanwhile (an operator, a receipt): this worker's change must not touch it.
    await t.db.updateTable('notifications').set({ status: 'pending', lease_owner: null }).where('id', '=', taken!.id).execute();

    const from = { status: 'sending' as const, heldBy: 'worker-1' };
    const change = (row: typeof zhangs, deliveryId: string, sentAt: string, openid: string) => changeFor([row!], row!.delivery_id, from, sent(deliveryId, sentAt, openid));
    const items: ChangeToApply[] = [
      change(zhangs, zhangs!.delivery_id, '2026-12-07T01:00:00.001Z', 'o-zhang'),
      change(lis, lis!.delivery_id, '2026-12-07T01:00:00.002Z', 'o-li'),
      change(taken, taken!.delivery_id, '2026-12-07T01:00:00.003Z', 'o-li'),
      change(renamed, 'renamed-1', '2026-12-07T01:00:00.004Z', 'o-li'),
      change(alsoRenamed, 'renamed-2', '2026-12-07T01:00:00.005Z', 'o-li'),
    ];
    const written = await t.db.transaction().execute((trx) => applyChanges(trx, items, { now: '2026-12-07T01:00:01.000Z' }));

    expect(written.map((entry) => entry.written)).toEqual([[zhangs!.id], [lis!.id], [], [renamed!.id], [alsoRenamed!.id]]);
    const rows = await t.db.selectFrom('notifications').selectAll().execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(zhangs!.id)).toMatchObject({ status: 'sent', sent_at: '2026-12-07T01:00:00.001Z', wechat_openid: 'o-zhang', template_id: 'template-of-o-zhang', delivery_id: zhangs!.delivery_id, attempts: 1, lease_owner: null });
    expect(byId.get(lis!.id)).toMatchObject({ status: 'sent', sent_at: '2026-12-07T01:00:00.002Z', wechat_openid: 'o-li', template_id: 'template-of-o-li', delivery_id: lis!.delivery_id, attempts: 1 });
    expect(byId.get(taken!.id)).toMatchObject({ status: 'pending', sent_at: null, wechat_openid: null, attempts: 0 });
    expect(byId.get(renamed!.id)).toMatchObject({ status: 'sent', sent_at: '2026-12-07T01:00:00.004Z', delivery_id: 'renamed-1' });
    expect(byId.get(alsoRenamed!.id)).toMatchObject({ status: 'sent', sent_at: '2026-12-07T01:00:00.005Z', delivery_id: 'renamed-2' });
    const attempts = await t.db.selectFrom('notification_attempts').select(['notification_id', 'delivery_id', 'attempt']).execute();
    expect(new Set(attempts.map((attempt) => JSON.stringify(attempt)))).toEqual(
      new Set([zhangs, lis, renamed, alsoRenamed].map((row) => JSON.stringify({ notification_id: row!.id, delivery_id: row!.delivery_id, attempt: 1 }))),
    );
  });
});
