import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { type Db, type Engine, migrateToLatest, openDatabase } from '../../src/db/database.js';

export interface TestDatabase {
  db: Db;
  /** A DATABASE_URL that reaches this database (and schema) from a fresh connection or process. */
  url: string;
  schema?: string;
  drop(): Promise<void>;
}

const postgresUrl = process.env.TEST_DATABASE_URL;
let reported = false;

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (otherwise say why it is skipped). */
export function testEngines(): Engine[] {
  if (!postgresUrl && !reported) {
    reported = true;
    console.warn('[crm-api tests] TEST_DATABASE_URL is not set: the PostgreSQL runs are skipped; only SQLite runs.');
  }
  return postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** A fresh, migrated database: a temporary SQLite file, or a new schema in the PostgreSQL test database. */
export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'crm-api-test-'));
    const url = join(dir, 'test.db');
    const db = openDatabase({ url });
    await migrateToLatest(db);
    return {
      db,
      url,
      async drop() {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  // Dropped by test/global-setup.ts after the run (see there why not here); the time in the name lets it.
  const schema = `test_${Math.floor(Date.now() / 1000)}_${inject('testRun')}_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`create schema ${schema}`));
  const db = openDatabase({ url: postgresUrl, schema, poolSize: 12 });
  await migrateToLatest(db);
  const separator = postgresUrl.includes('?') ? '&' : '?';
  return {
    db,
    url: `${postgresUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    schema,
    async drop() {
      await db.close();
    },
  };
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
