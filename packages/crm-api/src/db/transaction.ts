import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Trx = Transaction<Database> | Kysely<Database>;

/** Splits rows so one statement stays well below SQLite's and PostgreSQL's bound-parameter limits. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
