import { PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Trx = Transaction<Database> | Kysely<Database>;

/**
 * Whether the database behind `db` locks rows (`FOR UPDATE` and kin): PostgreSQL does; SQLite has one writer, so a
 * transaction alone keeps writers apart and the clauses do not exist. Stores ask this, so their callers need not
 * know the engine.
 */
export function locksRows(db: Trx): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Splits rows so one statement stays well below SQLite's and PostgreSQL's bound-parameter limits. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** PostgreSQL aborts one side of a deadlock (40P01) or a serialization conflict (40001); retrying it is safe. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

/**
 * One transaction, retried (up to 3 attempts, short jittered pause) only when PostgreSQL aborted it for a deadlock
 * or serialization failure; every other error, and the last attempt's, propagates.
 */
export async function transactionWithRetry<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRYABLE_SQLSTATES.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}
