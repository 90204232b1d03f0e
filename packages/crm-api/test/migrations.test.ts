import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createMigrator, migrateToLatest } from '../src/db/database.js';
import { createTestDatabase, testEngines, type TestDatabase } from './helpers/test-database.js';

describe.each(testEngines())('migration 0010 (a message sent again goes out under a new delivery id) on %s', (engine) => {
  let database: TestDatabase;
  afterEach(() => database.drop());

  it('moves rows waiting to be resent to a new delivery id per delivery, and remembers the automatic resend (a row left sending may still have its own)', async () => {
    database = await createTestDatabase(engine);
    const { kysely } = database.db;
    const { error } = await (await createMigrator(database.db)).migrateTo('0009-newest-subscription-index');
    expect(error).toBeUndefined();
    const userId = randomUUID();
    const now = new Date().toISOString();
    await sql`insert into users (id, name, role, active, created_at, updated_at) values (${userId}, '张三', 'sales', 1, ${now}, ${now})`.execute(kysely);
    const digest = randomUUID();
    const rows = [
      { id: digest, delivery_id: digest, status: 'pending', resend: 1, reason: 'DELIVERY_FAILED' },
      { id: randomUUID(), delivery_id: digest, status: 'pending', resend: 1, reason: 'DELIVERY_FAILED' },
      { id: randomUUID(), delivery_id: null, status: 'pending', resend: 0, reason: null },
      { id: randomUUID(), delivery_id: 'sending-one', status: 'sending', resend: 1, reason: 'NO_RECEIPT' },
      { id: randomUUID(), delivery_id: 'left-unconfirmed', status: 'unconfirmed', resend: 0, reason: 'NO_RECEIPT' },
    ];
    for (const row of rows) {
      await sql`insert into notifications (id, assignee_id, actor_id, channel, status, attempts, next_attempt_at, created_at, updated_at, delivery_id, reason, resend_requested)
        values (${row.id}, ${userId}, ${userId}, 'web', ${row.status}, 0, ${now}, ${now}, ${now}, ${row.delivery_id}, ${row.reason}, ${row.resend})`.execute(kysely);
    }

    await migrateToLatest(database.db);

    const after = await kysely.selectFrom('notifications').select(['id', 'delivery_id', 'no_receipt_resent']).execute();
    const byId = new Map(after.map((row) => [row.id, row]));
    const [first, second, plain, sending, unconfirmed] = rows.map((row) => byId.get(row.id)) as Array<(typeof after)[number]>;
    expect(first!.delivery_id).not.toBe(digest);
    expect(second!.delivery_id).toBe(first!.delivery_id);
    expect([plain!.delivery_id, sending!.delivery_id, unconfirmed!.delivery_id]).toEqual([null, 'sending-one', 'left-unconfirmed']);
    expect([first, second, plain, sending, unconfirmed].map((row) => row!.no_receipt_resent)).toEqual([0, 0, 0, 0, 1]);
  });
});
