import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type Db } from '../src/db/database.js';
import { QueuedSqliteDialect } from '../src/db/sqlite-dialect.js';

describe('the SQLite connection, taken in turn', () => {
  let dir: string;
  let db: Db;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-api-dialect-'));
    db = openDatabase({ url: join(dir, 'turns.db') });
    await migrateToLatest(db);
    await sql`create table counter (n integer not null)`.execute(db.kysely);
    await sql`insert into counter (n) values (0)`.execute(db.kysely);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the connection to waiters in the order they asked, one transaction at a time', async () => {
    const entered: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        db.kysely.transaction().execute(async (trx) => {
          entered.push(index);
          const { rows } = await sql<{ n: number }>`select n from counter`.execute(trx);
          // Another transaction interleaving here would read the same n and one increment would be lost.
          await new Promise((resolve) => setImmediate(resolve));
          await sql`update counter set n = ${(rows[0]?.n ?? 0) + 1}`.execute(trx);
        }),
      ),
    );
    expect(entered).toEqual(Array.from({ length: 40 }, (_, index) => index));
    expect((await sql<{ n: number }>`select n from counter`.execute(db.kysely)).rows[0]?.n).toBe(40);
  });

  it('takes the write lock when a transaction begins, so another process cannot commit between its read and its write', async () => {
    // Another process on the same file (`pnpm worker`, the CLI), waiting at most 50 ms for a lock.
    const other = new SqliteDatabase(join(dir, 'turns.db'));
    other.pragma('busy_timeout = 50');
    try {
      await db.kysely.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`select n from counter`.execute(trx);
        // Under a plain BEGIN this write would commit, and ours below would fail with SQLITE_BUSY.
        expect(() => other.prepare('update counter set n = 1000').run()).toThrow(/database is locked/);
        await sql`update counter set n = ${(rows[0]?.n ?? 0) + 1}`.execute(trx);
      });
      expect(other.prepare('select n from counter').get()).toEqual({ n: 1 });
    } finally {
      other.close();
    }
  });

  it('hands the connection on after a failed transaction, and queries outside transactions wait their turn', async () => {
    const failing = db.kysely.transaction().execute(async (trx) => {
      await sql`update counter set n = 100`.execute(trx);
      throw new Error('rolled back');
    });
    const reading = sql<{ n: number }>`select n from counter`.execute(db.kysely);
    const committing = db.kysely.transaction().execute((trx) => sql`update counter set n = n + 1`.execute(trx));
    await expect(failing).rejects.toThrow('rolled back');
    expect((await reading).rows[0]?.n).toBe(0);
    await committing;
    expect((await sql<{ n: number }>`select n from counter`.execute(db.kysely)).rows[0]?.n).toBe(1);
  });

  it('gives work that needs the connection idle a turn of its own: queries asked meanwhile wait for it without blocking the event loop', async () => {
    const dialect = new QueuedSqliteDialect({ database: new SqliteDatabase(join(dir, 'idle.db')) });
    const kysely = new Kysely<Record<string, never>>({ dialect });
    try {
      const order: string[] = [];
      let release = () => {};
      const turn = dialect.whileIdle(async () => {
        order.push('turn begins');
        await new Promise<void>((resolve) => (release = resolve));
        order.push('turn ends');
      });
      const query = sql`select 1 as one`.execute(kysely).then(() => order.push('query ran'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('a timer fired meanwhile');
      release();
      await Promise.all([turn, query]);
      expect(order).toEqual(['turn begins', 'a timer fired meanwhile', 'turn ends', 'query ran']);
    } finally {
      await kysely.destroy();
    }
  });
});
