import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL test schemas are dropped here, after the whole run, not by each test: kysely's migrator
 * introspects every schema of the database, and a schema dropped while another test migrates makes that
 * introspection fail ("schema … does not exist"). Names carry their creation time, so schemas a crashed
 * run left behind are dropped by the next run once they are an hour old.
 */
const STALE_AFTER_SECONDS = 3600;

async function dropSchemas(filter: (name: string) => boolean): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(`select schema_name as name from information_schema.schemata where schema_name like 'test\\_%'`);
    for (const { name } of rows.filter((row) => filter(row.name))) await client.query(`drop schema if exists ${name} cascade`);
  } finally {
    await client.end();
  }
}

/** `test_<epoch seconds>_<run>_<random>`; schemas of the older `test_<random>` form count as stale. */
function createdAt(name: string): number {
  const match = /^test_(\d{10})_/.exec(name);
  return match ? Number(match[1]) : 0;
}

export default async function setup({ provide }: { provide: (key: 'testRun', value: string) => void }) {
  const run = randomBytes(4).toString('hex');
  provide('testRun', run);
  await dropSchemas((name) => createdAt(name) < Math.floor(Date.now() / 1000) - STALE_AFTER_SECONDS);
  return () => dropSchemas((name) => name.includes(`_${run}_`));
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Part of every PostgreSQL schema this run creates, so its teardown drops exactly those. */
    testRun: string;
  }
}
