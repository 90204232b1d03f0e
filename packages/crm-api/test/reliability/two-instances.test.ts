import { startEmulator, type RunningEmulator } from '@leadnotify/wechat-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildApi, type ChildService } from '../helpers/child-process.js';
import { waitFor } from '@leadnotify/test-support';
import { inParallel, seeder } from '../helpers/seed.js';
import { emulatorEnv } from '../helpers/test-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const postgres = Boolean(process.env.TEST_DATABASE_URL);
if (!postgres) console.warn('[crm-api reliability] TEST_DATABASE_URL is not set: the two-instance PostgreSQL test is skipped.');

describe.skipIf(!postgres)('two crm-api processes on one PostgreSQL database', () => {
  let emulator: RunningEmulator;
  let database: TestDatabase;
  const apis: ChildService[] = [];

  beforeAll(async () => {
    emulator = await startEmulator();
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    for (const api of apis) await api.kill('SIGKILL');
    await emulator.stop();
    await database.drop();
  });

  it('share one outbox: no notification sent twice, none lost, no pool claim won twice', async () => {
    const seed = seeder(database.db);
    const manager = await seed.user('manager');
    const team = [await seed.user('sales'), await seed.user('sales'), await seed.user('sales'), await seed.user('sales')];
    for (const member of team) await emulator.setupUser(member.id, 500);
    const assigned = await seed.customers(150);
    const pool = await seed.customers(40);
    emulator.setFaults({ latencyMs: 10 });
    const env = {
      DATABASE_URL: database.url,
      ...emulatorEnv(emulator),
      NOTIFY_BATCH_SIZE: '3',
      NOTIFY_POLL_MS: '50',
      POOL_MAX_DAILY_CLAIMS: '1000',
      POOL_MAX_OWNED_CUSTOMERS: '1000',
    };
    apis.push(await startChildApi(env), await startChildApi(env));
    const [first, second] = apis as [ChildService, ChildService];

    await inParallel(assigned.map((id, index) => ({ id, index })), 10, async ({ id, index }) => {
      const api = index % 2 === 0 ? first : second;
      const res = await fetch(`${api.url}/api/customers/${id}/assign`, { method: 'POST', headers: manager.headers, body: JSON.stringify({ assigneeId: team[index % team.length]!.id }) });
      expect(res.status).toBe(200);
    });
    const claims: number[][] = [];
    await inParallel(pool, 5, async (id) => {
      const results = await Promise.all([
        fetch(`${first.url}/api/pool/customers/${id}/assign`, { method: 'POST', headers: team[0]!.headers, body: '{}' }),
        fetch(`${second.url}/api/pool/customers/${id}/assign`, { method: 'POST', headers: team[1]!.headers, body: '{}' }),
      ]);
      claims.push(results.map((res) => res.status).sort());
    });

    // The loser finds it another salesperson's customer, which a sales user may not see: 404, as for an unknown id.
    expect(claims.every((pair) => pair[0] === 200 && pair[1] === 404)).toBe(true);
    const history = await database.db.kysely.selectFrom('assignments').select('customer_id').where('customer_id', 'in', pool).execute();
    expect(history).toHaveLength(pool.length);

    // A claim for oneself is told to nobody: the messages are the managers' assignments'.
    const expected = assigned.length;
    const aboutClaims = await database.db.kysely.selectFrom('notification_customers').select('customer_id').where('customer_id', 'in', pool).execute();
    expect(aboutClaims).toEqual([]);
    await waitFor(
      () => database.db.kysely.selectFrom('notifications').select(['id', 'status']).where('status', '!=', 'sent').execute(),
      (unsent) => unsent.length === 0,
      { what: 'every notification to be sent', timeoutMs: 60_000, intervalMs: 100 },
    );
    const ids = emulator.messages.map((message) => new URLSearchParams(message.page?.split('?')[1] ?? '').get('deliveryId'));
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);
    const workers = await database.db.kysely.selectFrom('notification_attempts').select('notification_id').execute();
    expect(workers).toHaveLength(expected);
  }, 120_000);
});
