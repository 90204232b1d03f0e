import { waitFor } from '@leadnotify/test-support';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Trx } from '../../src/db/transaction.js';
import { claimMessages } from '../../src/delivery/claim-messages.js';
import { retryByOperator } from '../../src/delivery/requeue.js';
import { resendUnreceipted } from '../../src/delivery/resend-unreceipted.js';
import { startFakeWechat, type FakeWechat } from '../helpers/fake-wechat.js';
import { createTestApp, wechatEnv, type TestApp, type TestUser } from '../helpers/test-app.js';
import { testEngines } from '../helpers/test-database.js';

/** Claims, requeues and receipts at the same moment on PostgreSQL, where they run in parallel (SQLite has one writer). */
describe.runIf(testEngines().includes('postgres'))('concurrent claims and requeues on PostgreSQL', () => {
  const engine = 'postgres' as const;
  let wechat: FakeWechat;
  let t: TestApp;
  let manager: TestUser;
  let sales: TestUser;
  beforeEach(async () => {
    wechat = await startFakeWechat();
    t = await createTestApp(engine, { ...wechatEnv(wechat.baseUrl), NOTIFY_BACKOFF_BASE_MS: '1000', NOTIFY_DIGEST_SECONDS: '60', NOTIFY_BATCH_SIZE: '1', WECHAT_PUSH_TOKEN: 'push-token' });
    manager = await t.user('manager', '王经理');
    sales = await t.user('sales', '张三');
  });
  afterEach(async () => {
    await t.close();
    await wechat.stop();
  });
  async function drain() {
    const notifier = t.notifier();
    while ((await notifier.runOnce()) > 0);
  }
  /** The server process (backend) running the transaction `db`. */
  async function backendOf(db: Trx): Promise<number> {
    return (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid;
  }
  /**
   * Waits until `work` has either finished or is waiting for a lock that the backend `holder` holds: the moment to let
   * the holder commit, shown by PostgreSQL itself rather than guessed with a sleep.
   */
  async function untilDoneOrBlockedBy(work: Promise<unknown>, holder: number, what: string): Promise<void> {
    let done = false;
    void work.then(
      () => (done = true),
      () => (done = true),
    );
    await waitFor(
      async () => done || (await sql<{ waiting: number }>`select count(*)::int as waiting from pg_stat_activity where ${holder} = any(pg_blocking_pids(pid))`.execute(t.db)).rows[0]!.waiting > 0,
      Boolean,
      { what },
    );
  }

  it('two workers claiming at the same moment do not both leave a retried digest behind, round after round', async () => {
    const [a, b] = await t.customers(2);
    await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id });
    await t.as(manager).post(`/api/customers/${b!.id}/assign`, { assigneeId: sales.id });
    t.clock.advance(61_000);
    wechat.queueFault({ kind: 'errcode', errcode: -1, errmsg: 'system error' });
    await drain(); // the digest goes back to pending under its delivery id
    t.clock.advance(600_000);
    const rows = await t.db.selectFrom('notifications').select(['id', 'status', 'delivery_id']).execute();
    expect(rows.map((row) => row.status)).toEqual(['pending', 'pending']);

    // 20 independent rounds: two loops (or workers) claim at the same moment; the message is due both times.
    let roundsWithNeither = 0;
    for (let round = 0; round < 20; round += 1) {
      await t.db.updateTable('notifications').set({ status: 'pending', lease_owner: null, lease_until: null }).execute();
      const [one, two] = await Promise.all([claimMessages(t.delivery, 'worker-a'), claimMessages(t.delivery, 'worker-b')]);
      if (one.length + two.length === 0) roundsWithNeither += 1;
    }
    console.log('rounds in which both claims skipped the due digest:', roundsWithNeither, 'of 20');
    expect(roundsWithNeither).toBe(0);
  });

  it('the no-receipt resend does not undo a receipt that confirmed the delivery meanwhile', async () => {
    const [a] = await t.customers(1);
    const id = (await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id })).body.notification.id as string;
    const old = new Date(t.clock.now() - 3_600_000).toISOString();
    await t.db.updateTable('notifications').set({ status: 'unconfirmed', delivery_id: id, wechat_openid: 'o1', attempts: 1, updated_at: old, reason: 'SYSTEM_BUSY' }).where('id', '=', id).execute();

    // The push handler settling a delivered receipt: its transaction has written and not yet committed.
    let commit!: () => void;
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    let holder = 0;
    const receipt = t.db.transaction().execute(async (trx) => {
      await trx.updateTable('notifications').set({ status: 'sent', confirmed_at: new Date(t.clock.now()).toISOString(), reason: 'SENT' }).where('id', '=', id).execute();
      holder = await backendOf(trx);
      written();
      await new Promise<void>((resolve) => (commit = resolve));
    });
    await wrote;
    const requeue = resendUnreceipted(t.delivery);
    await untilDoneOrBlockedBy(requeue, holder, "the resend to wait for the receipt's row, or to be done");
    commit();
    await receipt;
    await requeue;

    const row = await t.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect({ status: row.status, confirmed: row.confirmed_at !== null, delivery: row.delivery_id === id }).toEqual({ status: 'sent', confirmed: true, delivery: true });
  });

  it('two operators retrying the same unconfirmed notification at once do not pull it back from a worker sending it', async () => {
    const [a] = await t.customers(1);
    const id = (await t.as(manager).post(`/api/customers/${a!.id}/assign`, { assigneeId: sales.id })).body.notification.id as string;
    await t.db.updateTable('notifications').set({ status: 'unconfirmed', delivery_id: id, wechat_openid: 'o1', attempts: 1 }).where('id', '=', id).execute();
    // First retry's transaction: it has requeued the row and not yet committed; the second retry reads it as unconfirmed.
    let commit!: () => void;
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    let holder = 0;
    const first = t.db.transaction().execute(async (trx) => {
      await trx.updateTable('notifications').set({ status: 'sending', lease_owner: 'worker-a', lease_until: new Date(t.clock.now() + 60_000).toISOString(), delivery_id: 'new-1' }).where('id', '=', id).execute();
      holder = await backendOf(trx);
      written();
      await new Promise<void>((resolve) => (commit = resolve));
    });
    await wrote;
    const second = retryByOperator(t.delivery, { ids: [id] });
    await untilDoneOrBlockedBy(second, holder, "the second retry to wait for the first's row, or to be done");
    commit();
    await first;
    await second;
    const row = await t.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect({ status: row.status, lease_owner: row.lease_owner }).toEqual({ status: 'sending', lease_owner: 'worker-a' });
  });
});
