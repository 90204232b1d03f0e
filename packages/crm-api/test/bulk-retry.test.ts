import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';
import { seedNotifications } from './helpers/seed-notifications.js';
import { repoRoot } from './helpers/child-process.js';
import { testEngines } from './helpers/test-database.js';

const run = promisify(execFile);

describe.each(testEngines())('sending failed notifications again in bulk (%s)', (engine) => {
  let t: TestApp;
  let manager: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp(engine);
    manager = await t.user('manager');
    alice = await t.user('sales', '张三');
    bob = await t.user('sales', '李四');
    const [customer] = await t.customers(1);
    const seeded = await seedNotifications(t.db, { actorId: manager.id, customerId: customer!.id }, [
      // The template id was wrong on the 1st and 2nd: everything failed TEMPLATE_INVALID, a digest of alice's among it.
      { id: 'a1', assigneeId: alice.id, createdAt: '2026-12-01T02:00:00.000Z', status: 'failed', reason: 'TEMPLATE_INVALID' },
      { id: 'a2', assigneeId: alice.id, createdAt: '2026-12-01T02:00:05.000Z', status: 'failed', reason: 'TEMPLATE_INVALID' },
      { id: 'b1', assigneeId: bob.id, createdAt: '2026-12-02T03:00:00.000Z', status: 'dead', reason: 'TEMPLATE_INVALID' },
      // Outside the filters: another reason, another day, and what did not fail.
      { id: 'b2', assigneeId: bob.id, createdAt: '2026-12-02T04:00:00.000Z', status: 'failed', reason: 'FUNCTION_NOT_FOUND' },
      { id: 'a3', assigneeId: alice.id, createdAt: '2026-12-05T02:00:00.000Z', status: 'failed', reason: 'TEMPLATE_INVALID' },
      { id: 'a4', assigneeId: alice.id, createdAt: '2026-12-01T05:00:00.000Z', status: 'sent' },
      { id: 'a5', assigneeId: alice.id, createdAt: '2026-12-01T06:00:00.000Z', status: 'skipped', reason: 'TEMPLATE_INVALID' },
    ]);
    for (const id of seeded) ids[id] = id;
    await t.db.updateTable('notifications').set({ delivery_id: 'a1' }).where('id', '=', 'a2').execute();
  });
  afterAll(() => t.close());

  const statuses = async () => Object.fromEntries((await t.db.selectFrom('notifications').select(['id', 'status']).execute()).map((row) => [row.id, row.status]));
  const filter = { reason: 'TEMPLATE_INVALID', from: '2026-12-01', to: '2026-12-02' };

  it('a dry run says which messages would go out, each digest whole, and changes nothing', async () => {
    const before = await statuses();

    const res = await t.as(manager).post('/api/notifications/bulk-retry', { ...filter, dryRun: true });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, notifications: 3 });
    expect(res.body.messages.map((message: { deliveryId: string; notificationIds: string[] }) => [message.deliveryId, message.notificationIds.sort()]).sort()).toEqual([
      ['a1', ['a1', 'a2']],
      ['b1', ['b1']],
    ]);
    expect(await statuses()).toEqual(before);
  });

  it('a sales user may not; a salesperson filter keeps to theirs; a bad status is 400', async () => {
    expect((await t.as(alice).post('/api/notifications/bulk-retry', { dryRun: true })).status).toBe(403);
    const onlyBob = await t.as(manager).post('/api/notifications/bulk-retry', { ...filter, assigneeId: bob.id, dryRun: true });
    expect(onlyBob.body.messages.map((message: { deliveryId: string }) => message.deliveryId)).toEqual(['b1']);
    expect((await t.as(manager).post('/api/notifications/bulk-retry', { status: ['skipped'] })).status).toBe(400);
  });

  it('sends them again: the matching messages go back to the queue, the rest stay as they were', async () => {
    const res = await t.as(manager).post('/api/notifications/bulk-retry', filter);

    expect(res.body).toMatchObject({ dryRun: false, notifications: 3 });
    expect(await statuses()).toMatchObject({ a1: 'pending', a2: 'pending', b1: 'pending', b2: 'failed', a3: 'failed', a4: 'sent', a5: 'skipped' });
    const again = await t.as(manager).post('/api/notifications/bulk-retry', { ...filter, dryRun: true });
    expect(again.body).toEqual({ dryRun: true, messages: [], notifications: 0 });
  });

  it.runIf(engine === 'sqlite')('the CLI does the same: --dry-run lists, then sends', async () => {
    const databaseUrl = t.ctx.config.DATABASE_URL;
    const cli = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'packages/crm-api/src/cli.ts', 'notifications:retry', ...args], { cwd: repoRoot, env: { ...process.env, DATABASE_URL: databaseUrl } });

    const dry = await cli('--reason', 'FUNCTION_NOT_FOUND', '--dry-run');
    expect(dry.stdout.trim().split('\n')).toEqual([`b2\t${bob.id}\tfailed\tFUNCTION_NOT_FOUND\t1 notification(s)`]);
    expect(dry.stderr).toContain('would send again: 1 message(s), 1 notification(s)');
    expect((await statuses()).b2).toBe('failed');

    const sent = await cli('--reason', 'FUNCTION_NOT_FOUND');
    expect(sent.stderr).toContain('sent again: 1 message(s), 1 notification(s)');
    expect((await statuses()).b2).toBe('pending');
  }, 30_000);
});
