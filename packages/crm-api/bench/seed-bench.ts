import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiToken } from '../src/domain/api-tokens.js';
import { migrateToLatest, openDatabase, type Db } from '../src/db/database.js';
import { chunk } from '../src/db/transaction.js';
import { sql } from 'kysely';

export interface BenchDb {
  url: string;
  db: Db;
  managerToken: string;
  salesIds: string[];
  customerIds: string[];
}

/**
 * A fresh database with a manager, sales users and pool customers, written in bulk: a SQLite file, or
 * (engine postgres) a new schema in TEST_DATABASE_URL's database, dropped by close().
 */
export async function seedBenchDb(options: { sales: number; customers: number; engine?: 'sqlite' | 'postgres' }): Promise<BenchDb> {
  const { url, db } = options.engine === 'postgres' ? await postgresSchema() : sqliteFile();
  await migrateToLatest(db);
  const now = new Date().toISOString();
  const managerId = randomUUID();
  const salesIds = Array.from({ length: options.sales }, () => randomUUID());
  await db.kysely
    .insertInto('users')
    .values([
      { id: managerId, name: '经理', role: 'manager', active: 1, created_at: now, updated_at: now },
      ...salesIds.map((id, index) => ({ id, name: `销售${index}`, role: 'sales' as const, active: 1, created_at: now, updated_at: now })),
    ])
    .execute();
  const managerToken = await createApiToken(db.kysely, managerId, new Date());
  const customerIds = await insertCustomers(db, options.customers);
  return { url, db, managerToken, salesIds, customerIds };
}

function sqliteFile(): { url: string; db: Db } {
  const url = join(mkdtempSync(join(tmpdir(), 'leadnotify-bench-')), 'bench.db');
  return { url, db: openDatabase({ url }) };
}

async function postgresSchema(): Promise<{ url: string; db: Db }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('the PostgreSQL benchmarks need TEST_DATABASE_URL');
  const schema = `bench_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const admin = openDatabase({ url: base, poolSize: 1 });
  await sql.raw(`create schema ${schema}`).execute(admin.kysely);
  const db = openDatabase({ url: base, schema, poolSize: 4 });
  const close = db.close;
  db.close = async () => {
    await close();
    await sql.raw(`drop schema ${schema} cascade`).execute(admin.kysely);
    await admin.close();
  };
  const separator = base.includes('?') ? '&' : '?';
  return { url: `${base}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`, db };
}

/** `count` customers in the pool, or each owned by `ownerOf(its index)`. */
export async function insertCustomers(db: Db, count: number, ownerOf: (index: number) => string | null = () => null): Promise<string[]> {
  const now = new Date().toISOString();
  const ids = Array.from({ length: count }, () => randomUUID());
  for (const [partIndex, part] of chunk(ids, 500).entries()) {
    const customers = part.map((id, offset) => {
      const index = partIndex * 500 + offset;
      const owner = ownerOf(index);
      return { id, name: `基准客户${index}`, phone: `138${String(index).padStart(8, '0')}`, company: '基准公司', source: '官网', status: 'new' as const, owner_id: owner, assigned_at: owner ? now : null, version: 1, created_at: now, updated_at: now };
    });
    await db.kysely.insertInto('customers').values(customers).execute();
  }
  return ids;
}

/**
 * `count` pending outbox rows, one customer each, spread over the given assignees, as assignments leave them: each
 * customer owned by its notification's assignee (a notification of someone else's customer is withdrawn unsent).
 */
export async function insertPendingNotifications(db: Db, assigneeIds: string[], actorId: string, count: number, dueAt?: Date): Promise<void> {
  const assigneeOf = (index: number) => assigneeIds[index % assigneeIds.length] as string;
  const customerIds = await insertCustomers(db, count, assigneeOf);
  const now = new Date().toISOString();
  const due = (dueAt ?? new Date()).toISOString();
  for (const [partIndex, part] of chunk(customerIds, 400).entries()) {
    const rows = part.map((customerId, offset) => ({ id: randomUUID(), customerId, assigneeId: assigneeOf(partIndex * 400 + offset) }));
    await db.kysely.transaction().execute(async (trx) => {
      await trx
        .insertInto('notifications')
        .values(rows.map((row) => ({ id: row.id, assignee_id: row.assigneeId, actor_id: actorId, via: 'web' as const, note: null, status: 'pending' as const, attempts: 0, next_attempt_at: due, created_at: now, updated_at: now })))
        .execute();
      await trx
        .insertInto('notification_customers')
        .values(rows.map((row) => ({ notification_id: row.id, customer_id: row.customerId, customer_name: '基准客户', position: 0 })))
        .execute();
    });
  }
}

export async function pendingCount(db: Db): Promise<number> {
  const row = await db.kysely
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('status', 'in', ['pending', 'sending'])
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
