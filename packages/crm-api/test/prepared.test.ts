import { randomUUID } from 'node:crypto';
import { CamelCasePlugin, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepared } from '../src/db/prepared.js';
import type { Database, UserRow } from '../src/db/schema.js';
import { createTestDatabase, testEngines, type TestDatabase } from './helpers/test-database.js';

const now = '2026-11-26T08:00:00.000Z';
const user = (name: string, role: UserRow['role'] = 'sales'): UserRow => ({ id: randomUUID(), name, role, active: 1, wecom_user_id: null, created_at: now, updated_at: now });

const insertUsers = prepared((db, rows: UserRow[]) => db.insertInto('users').values(rows));
const namesByIds = prepared((db, ids: string[]) => db.selectFrom('users').select('name').where('id', 'in', ids).orderBy('name'));
const renameIfRole = prepared((db, id: string, role: UserRow['role'], set: Partial<Pick<UserRow, 'name' | 'active'>>) =>
  db.updateTable('users').set(set).where('id', '=', id).where('role', '=', role),
);
let builds = 0;
const countedLookup = prepared((db: Kysely<Database>, id: string) => {
  builds++;
  return db.selectFrom('users').select(['name', 'role']).where('id', '=', id).limit(1);
});

describe.each(testEngines())('prepared statements on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(() => t.drop());

  it('binds each call its own values: one build for many lookups, each answering for its own id', async () => {
    const users = [user('甲'), user('乙'), user('丙')];
    await insertUsers(t.db.kysely, users);
    const before = builds;
    for (const each of [...users, ...users]) expect((await countedLookup(t.db.kysely, each.id)).rows).toEqual([{ name: each.name, role: 'sales' }]);
    expect((await countedLookup(t.db.kysely, randomUUID())).rows).toEqual([]);
    // Once for this dialect (the first call), never again; the constant (limit 1) kept its place.
    expect(builds - before).toBeLessThanOrEqual(1);
  });

  it('compiles each list length and key set as its own shape', async () => {
    const users = [user('丁'), user('戊'), user('己'), user('庚')];
    await insertUsers(t.db.kysely, users.slice(0, 1));
    await insertUsers(t.db.kysely, users.slice(1));
    const ids = users.map((u) => u.id);
    expect((await namesByIds(t.db.kysely, ids.slice(0, 1))).rows.map((r) => r.name)).toEqual(['丁']);
    expect((await namesByIds(t.db.kysely, ids)).rows.map((r) => r.name)).toEqual(['丁', '己', '庚', '戊'].sort());
    expect((await namesByIds(t.db.kysely, ids.slice(2))).rows.map((r) => r.name)).toEqual(['己', '庚'].sort());

    const [first, second] = users as [UserRow, UserRow];
    expect((await renameIfRole(t.db.kysely, first.id, 'sales', { name: '丁二' })).numAffectedRows).toBe(1n);
    expect((await renameIfRole(t.db.kysely, second.id, 'sales', { name: '戊二', active: 0 })).numAffectedRows).toBe(1n);
    expect((await renameIfRole(t.db.kysely, second.id, 'manager', { name: '不改' })).numAffectedRows).toBe(0n);
    const rows = await t.db.kysely.selectFrom('users').select(['id', 'name', 'active']).where('id', 'in', [first.id, second.id]).execute();
    expect(new Map(rows.map((r) => [r.id, [r.name, r.active]]))).toEqual(
      new Map([
        [first.id, ['丁二', 1]],
        [second.id, ['戊二', 0]],
      ]),
    );
  });

  it('runs inside a transaction on its connection, and rolls back with it', async () => {
    const rolledBack = user('辛');
    await expect(
      t.db.kysely.transaction().execute(async (trx) => {
        await insertUsers(trx, [rolledBack]);
        expect((await countedLookup(trx, rolledBack.id)).rows).toHaveLength(1);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await countedLookup(t.db.kysely, rolledBack.id)).rows).toEqual([]);
  });

  it('once its transaction has ended, refuses to run on it', async () => {
    let ended: Parameters<typeof countedLookup>[0] | undefined;
    await t.db.kysely.transaction().execute(async (trx) => {
      ended = trx;
    });
    await expect(countedLookup(ended as Parameters<typeof countedLookup>[0], randomUUID())).rejects.toThrow(/already committed/);
  });

  it("passes its result through the database's result plugins, as Kysely's own execution does", async () => {
    const named = user('壬');
    await insertUsers(t.db.kysely, [named]);
    const withCamelCase = t.db.kysely.withPlugin(new CamelCasePlugin());
    const createdAt = prepared((db, id: string) => db.selectFrom('users').select('created_at').where('id', '=', id));
    expect((await createdAt(withCamelCase, named.id)).rows).toEqual([{ createdAt: now }]);
  });

  it('does not reuse SQL compiled through a plugin that rewrites it (withSchema), nor reuse a template there', async () => {
    const other = `other_${randomUUID().slice(0, 8)}`;
    const db = t.db.kysely;
    if (engine === 'sqlite') await sql`attach database ':memory:' as ${sql.id(other)}`.execute(db);
    else await sql`create schema ${sql.id(other)}`.execute(db);
    try {
      await sql`create table ${sql.id(other, 'users')} (id text primary key, name text not null)`.execute(db);
      const elsewhere = randomUUID();
      await sql`insert into ${sql.id(other, 'users')} (id, name) values (${elsewhere}, '别处')`.execute(db);
      const here = user('此处');
      await insertUsers(db, [here]);
      const nameOf = prepared((db, id: string) => db.selectFrom('users').select('name').where('id', '=', id));
      expect((await nameOf(db.withSchema(other), elsewhere)).rows).toEqual([{ name: '别处' }]);
      expect((await nameOf(db, here.id)).rows).toEqual([{ name: '此处' }]);
      expect((await nameOf(db.withSchema(other), here.id)).rows).toEqual([]);
    } finally {
      if (engine === 'sqlite') await sql`detach database ${sql.id(other)}`.execute(db);
      else await sql`drop schema ${sql.id(other)} cascade`.execute(db);
    }
  });

  it('refuses an argument Kysely would not bind as a value (a boolean, a date, an expression)', async () => {
    const byActive = prepared((db, active: unknown) => db.selectFrom('users').select('name').where('active', '=', active as number));
    for (const value of [true, new Date(), () => 1]) await expect(byActive(t.db.kysely, value)).rejects.toThrow(TypeError);
    // Also once the statement is compiled for a value it takes: the cached template does not bind what it refuses.
    expect((await byActive(t.db.kysely, 1)).rows.length).toBeGreaterThan(0);
    for (const value of [true, () => 1]) await expect(byActive(t.db.kysely, value)).rejects.toThrow(TypeError);
  });

  it('past the cached shapes, still answers correctly (compiled per call)', async () => {
    const users = Array.from({ length: 80 }, (_, index) => user(`批${String(index).padStart(2, '0')}`));
    await insertUsers(t.db.kysely, users);
    for (let length = 1; length <= users.length; length++) {
      const { rows } = await namesByIds(t.db.kysely, users.slice(0, length).map((u) => u.id));
      expect(rows.map((r) => r.name)).toEqual(users.slice(0, length).map((u) => u.name));
    }
  });
});
