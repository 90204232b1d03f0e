import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/database.js';
import { repoRoot } from './helpers/child-process.js';
import { waitFor } from '@leadnotify/test-support';

/** How many frames the WAL holds now, read by a connection of its own; -1 while the thread is checkpointing. */
function walFrames(file: string): number {
  const probe = new SqliteDatabase(file);
  try {
    return (probe.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]?.log ?? 0;
  } finally {
    probe.close();
  }
}

/** The most frames the WAL ever held: SQLite starts a WAL over from its beginning without truncating the file. */
function walFileFrames(file: string): number {
  return Math.floor(statSync(`${file}-wal`).size / (4096 + 24));
}

/** A 4 KiB value per row: every transaction adds a few frames (pages) to the WAL. */
async function writeRows(db: Db, transactions: number): Promise<void> {
  for (let index = 0; index < transactions; index++) {
    await db.kysely.transaction().execute((trx) => sql`insert into filler (payload) values (${'x'.repeat(4096)})`.execute(trx));
  }
}

/** The WAL header's first salt: SQLite changes it each time a write starts the WAL over. */
function walSalt(file: string): number {
  const header = Buffer.alloc(32);
  const fd = openSync(`${file}-wal`, 'r');
  try {
    readSync(fd, header, 0, 32, 0);
  } finally {
    closeSync(fd);
  }
  return header.readUInt32BE(16);
}

async function createFiller(db: Db): Promise<void> {
  await sql`create table filler (id integer primary key, payload text not null)`.execute(db.kysely);
}

/**
 * The API's connection never checkpoints, so only the thread writes pages into the database file: the file growing
 * shows the thread is up, with its connection open, copying.
 */
async function threadCopied(file: string, sizeBefore: number): Promise<void> {
  await waitFor(() => statSync(file).size, (size) => size > sizeBefore, { timeoutMs: 10_000 });
}

/**
 * Writes one row at a time until the WAL holds only that row's frames: the first write after the thread has copied
 * everything starts the WAL over.
 */
async function walStartsOverOnNextWrite(db: Db, file: string): Promise<void> {
  await waitFor(
    async () => {
      await writeRows(db, 1);
      return walFrames(file);
    },
    (frames) => frames >= 0 && frames < 10,
    { timeoutMs: 10_000 },
  );
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

  it('commits never checkpoint; the thread copies their pages, and once writes pause the next one starts the WAL over', async () => {
    const failures: Error[] = [];
    db = openDatabase({ url: file, backgroundCheckpoints: { intervalMs: 10, onFailure: (error) => failures.push(error) } });
    await createFiller(db);
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.kysely);
    expect(rows[0]?.wal_autocheckpoint).toBe(0);

    const sizeBefore = statSync(file).size;
    // ~3 frames per transaction: ~6,000 frames, more than SQLite's own 1,000-frame checkpoint would ever let pile up.
    await writeRows(db, 2000);
    expect(walFileFrames(file)).toBeGreaterThan(5000);
    await threadCopied(file, sizeBefore);
    await walStartsOverOnNextWrite(db, file);
    const count = await sql<{ n: number }>`select count(*) as n from filler`.execute(db.kysely);
    expect(count.rows[0]?.n).toBeGreaterThan(2000);
    expect(failures).toEqual([]);
  });

  it('a trickle of writes is copied once per quiet interval, so the WAL starts over (and its header is synced in the API) as rarely', async () => {
    db = openDatabase({ url: file, backgroundCheckpoints: { intervalMs: 10, quietIntervalMs: 400, onFailure: () => {} } });
    await createFiller(db);
    const salts = new Set<number>();
    const started = performance.now();
    // At least 1.2 s, and until the trickle has been copied once (a loaded machine may take longer).
    while (performance.now() - started < 1200 || (salts.size < 2 && performance.now() - started < 10_000)) {
      await sql`insert into filler (payload) values ('a trickle')`.execute(db.kysely);
      salts.add(walSalt(file));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const restarts = salts.size - 1;
    expect(restarts).toBeGreaterThanOrEqual(1);
    // Copied after every 10 ms tick, nearly each write would start the WAL over; once per 400 ms, one per 400 ms.
    expect(restarts).toBeLessThanOrEqual(Math.ceil((performance.now() - started) / 400) + 1);
  });

  it('under writes that never pause, the WAL starts over at restartFrames in a turn of the connection', async () => {
    db = openDatabase({ url: file, backgroundCheckpoints: { intervalMs: 10, restartFrames: 300, onFailure: () => {} } });
    await createFiller(db);
    const sizeBefore = statSync(file).size;
    await writeRows(db, 5);
    await threadCopied(file, sizeBefore);
    // Thousands of transactions of ~3 frames each, as many as the machine writes in whatever time it takes.
    const salts = new Set<number>([walSalt(file)]);
    let written = 0;
    while (written < 2_000) {
      await writeRows(db, 10);
      written += 10;
      salts.add(walSalt(file));
      // As a server's event loop does between requests (better-sqlite3 itself never yields): the thread's messages
      // are handled here.
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The WAL started over while the writes went on (without restartFrames: once, after the first copy)...
    expect(salts.size).toBeGreaterThanOrEqual(3);
    // ...and so never held them all: 2,000 transactions without a restart leave more than 5,000 frames (the first
    // test; ~6,250 here). How far under that it stays depends on how soon a loaded machine runs the thread.
    expect(walFileFrames(file)).toBeLessThan(5_000);
  });

  it('a reader in another connection (a backup, a report) does not hold the API up: the restart gives up on it and asks again later', async () => {
    const restarts: Array<{ busy: number }> = [];
    db = openDatabase({
      url: file,
      // A trickle is copied every tick here, as under load: the test is about RESTART's waits, not the quiet interval.
      backgroundCheckpoints: {
        intervalMs: 10,
        quietIntervalMs: 10,
        restartFrames: 20,
        onFailure: () => {},
        // The real thread, listened to: it reports each RESTART it made and whether a reader kept it from finishing.
        spawnThread: (script, workerData) => {
          const thread = new Worker(script, { eval: true, workerData });
          thread.on('message', (message: { type: string; busy?: number }) => {
            if (message.type === 'restarted') restarts.push({ busy: message.busy ?? 0 });
          });
          return thread;
        },
      },
    });
    await createFiller(db);
    const backup = new SqliteDatabase(file);
    try {
      // An open read transaction keeps its snapshot, and with it every frame written after, in the WAL: the thread
      // cannot copy them, asks for a restart, and the restart has to wait for the reader.
      backup.prepare('begin').run();
      backup.prepare('select count(*) from filler').get();
      await writeRows(db, 30);

      // Each restart came back, refused, while the reader still reads: it gave up on the reader instead of waiting it
      // out, which would have kept the API's connection, and every query, in its turn until the reader left.
      await waitFor(() => restarts.length, (count) => count >= 2, { what: 'two restarts made while the reader reads' });
      expect(restarts.every((restart) => restart.busy === 1)).toBe(true);
      const { rows } = await sql<{ n: number }>`select count(*) as n from filler`.execute(db.kysely);
      expect(rows[0]?.n).toBe(30);
    } finally {
      backup.prepare('commit').run();
      backup.close();
    }
    // With the reader gone the WAL is copied and starts over again.
    await walStartsOverOnNextWrite(db, file);
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

  it('on close, the thread closes its connection: the WAL is copied into the database and removed', async () => {
    db = openDatabase({ url: file, backgroundCheckpoints: { intervalMs: 10, onFailure: () => {} } });
    await createFiller(db);
    const sizeBefore = statSync(file).size;
    await writeRows(db, 20);
    await threadCopied(file, sizeBefore);
    await writeRows(db, 5);
    expect(existsSync(`${file}-wal`)).toBe(true);
    await db.close();
    db = undefined;
    // Had the thread kept its connection, this one would not have been the last to close, and the WAL would remain.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = new SqliteDatabase(file);
    expect((reopened.prepare('select count(*) as n from filler').get() as { n: number }).n).toBe(25);
    reopened.close();
  });

  it('close() finishes in a process with nothing else to do: the thread does not let Node exit before it is stopped', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'packages/crm-api/test/fixtures/close-with-checkpoints.ts', file], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('closed');
    expect(run.status).toBe(0);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
