import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/database.js';
import { waitFor } from './helpers/wait-for.js';

/** How many frames the WAL holds now, read by a connection of its own (a PASSIVE checkpoint changes nothing here). */
function walFrames(file: string): number {
  const reader = new SqliteDatabase(file);
  try {
    return (reader.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]?.log ?? 0;
  } finally {
    reader.close();
  }
}

async function writeRows(db: Db, transactions: number): Promise<void> {
  // A 4 KiB value per row: every transaction adds a few frames to the WAL.
  for (let index = 0; index < transactions; index++) {
    await db.kysely.transaction().execute((trx) => sql`insert into filler (payload) values (${'x'.repeat(4096)})`.execute(trx));
  }
}

describe('SQLite checkpoints on a thread of their own', () => {
  let dir: string;
  let file: string;
  let db: Db | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-api-checkpoints-'));
    file = join(dir, 'wal.db');
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits never checkpoint; the thread copies frames and starts the WAL over once it is long', async () => {
    const failures: Error[] = [];
    db = openDatabase({ url: file, backgroundCheckpoints: { intervalMs: 10, restartFrames: 60, onFailure: (error) => failures.push(error) } });
    await sql`create table filler (id integer primary key, payload text not null)`.execute(db.kysely);

    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.kysely);
    expect(rows[0]?.wal_autocheckpoint).toBe(0);

    await writeRows(db, 200);
    // Two 4 KiB overflow pages and the table's leaf per row: hundreds of frames were written in all.
    await waitFor(() => db?.checkpoints?.restarts ?? 0, (restarts) => restarts >= 1, { timeoutMs: 10_000 });
    await writeRows(db, 5);
    // Started over: the WAL holds what came after the restart, not everything ever written.
    expect(walFrames(file)).toBeLessThan(200);
    const count = await sql<{ n: number }>`select count(*) as n from filler`.execute(db.kysely);
    expect(count.rows[0]?.n).toBe(205);
    expect(failures).toEqual([]);
  });

  it('without the thread (it failed), commits checkpoint again and the failure is reported', async () => {
    const failures: Error[] = [];
    db = openDatabase({
      url: file,
      backgroundCheckpoints: {
        onFailure: (error) => failures.push(error),
        spawnThread: () => new Worker('throw new Error("no checkpoint thread here")', { eval: true }),
      },
    });
    await waitFor(() => failures.length, (count) => count > 0, { timeoutMs: 5_000 });
    expect(failures[0]?.message).toContain('no checkpoint thread here');
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.kysely);
    expect(rows[0]?.wal_autocheckpoint).toBe(1000);
  });

  it('on close, the thread lets go of the file first, so the last connection checkpoints everything and removes the WAL', async () => {
    db = openDatabase({ url: file, backgroundCheckpoints: { intervalMs: 10, restartFrames: 20, onFailure: () => {} } });
    await sql`create table filler (id integer primary key, payload text not null)`.execute(db.kysely);
    await writeRows(db, 20);
    // The thread has its connection open once it has restarted the WAL.
    await waitFor(() => db?.checkpoints?.restarts ?? 0, (restarts) => restarts >= 1, { timeoutMs: 10_000 });
    await writeRows(db, 5);
    expect(existsSync(`${file}-wal`)).toBe(true);
    await db.close();
    db = undefined;
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = new SqliteDatabase(file);
    expect((reopened.prepare('select count(*) as n from filler').get() as { n: number }).n).toBe(25);
    reopened.close();
  });
});
