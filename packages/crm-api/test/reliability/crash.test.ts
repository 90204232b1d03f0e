import { startEmulator, type RunningEmulator } from '@leadnotify/wechat-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildApi, type ChildService } from '../helpers/child-process.js';
import { waitFor } from '@leadnotify/test-support';
import { inParallel, seeder } from '../helpers/seed.js';
import { emulatorEnv } from '../helpers/test-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const ASSIGNMENTS = 500;

describe('crash: kill -9 mid-drain, restart', () => {
  let emulator: RunningEmulator;
  let database: TestDatabase;
  let api: ChildService | undefined;

  beforeAll(async () => {
    emulator = await startEmulator();
    database = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await api?.kill('SIGKILL');
    await emulator.stop();
    await database.drop();
  });

  it('every notification is delivered exactly once', async () => {
    const seed = seeder(database.db);
    const manager = await seed.user('manager');
    const team = [await seed.user('sales'), await seed.user('sales'), await seed.user('sales'), await seed.user('sales'), await seed.user('sales')];
    for (const member of team) await emulator.setupUser(member.id, ASSIGNMENTS);
    const customerIds = await seed.customers(ASSIGNMENTS);
    const env = {
      DATABASE_URL: database.url,
      ...emulatorEnv(emulator),
      NOTIFY_BATCH_SIZE: '5',
      NOTIFY_CONCURRENCY: '1',
      NOTIFY_LEASE_SECONDS: '2',
      NOTIFY_POLL_MS: '200',
    };
    emulator.setFaults({ latencyMs: 40 });
    api = await startChildApi(env);

    await inParallel(customerIds.map((id, index) => ({ id, assignee: team[index % team.length]! })), 8, async ({ id, assignee }) => {
      const res = await fetch(`${api!.url}/api/customers/${id}/assign`, { method: 'POST', headers: manager.headers, body: JSON.stringify({ assigneeId: assignee.id }) });
      expect(res.status).toBe(200);
    });
    await waitFor(() => emulator.messages.length, (count) => count >= 60, { timeoutMs: 20_000 });
    expect(emulator.messages.length).toBeLessThan(ASSIGNMENTS);
    await api.kill('SIGKILL');

    api = await startChildApi(env);
    await waitFor(
      () => database.db.kysely.selectFrom('notifications').select(['id', 'status']).where('status', '!=', 'sent').execute(),
      (unsent) => unsent.length === 0,
      { what: 'every notification to be sent', timeoutMs: 60_000, intervalMs: 200 },
    );
    // Runs the killed process had asked for went on in WeChat; none is still going, to send a late duplicate.
    await emulator.runsFinished();

    const byNotification = new Map<string, number>();
    for (const message of emulator.messages) {
      const id = new URLSearchParams(message.page?.split('?')[1] ?? '').get('deliveryId') ?? '';
      byNotification.set(id, (byNotification.get(id) ?? 0) + 1);
    }
    const ids = await database.db.kysely.selectFrom('notifications').select('id').execute();
    expect(ids).toHaveLength(ASSIGNMENTS);
    expect(byNotification.size).toBe(ASSIGNMENTS);
    expect([...byNotification.values()].every((count) => count === 1)).toBe(true);
    expect(new Set(byNotification.keys())).toEqual(new Set(ids.map((row) => row.id)));
  }, 120_000);
});
