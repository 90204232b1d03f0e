import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, type SqliteDatabase as KyselySqlite } from 'kysely';
import pg from 'pg';
import { migrations } from './migrations/index.js';
import { startBackgroundCheckpoints, type BackgroundCheckpointOptions } from './sqlite-checkpoints.js';
import { QueuedSqliteDialect } from './sqlite-dialect.js';
import type { Database } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  engine: Engine;
  close(): Promise<void>;
  /**
   * PostgreSQL only: wakes the processes that listen (a separate worker) when notifications are queued, instead of
   * leaving them to their next poll. Lost when nobody listens, which costs nothing.
   */
  signalOutbox?(): Promise<void>;
  /**
   * PostgreSQL only: calls `onSignal` on every signalOutbox() of any process on this database (and schema), on a
   * connection of its own that reconnects after a failure. Resolves, once listening, to a function that stops it.
   */
  listenToOutbox?(onSignal: () => void, onError: (error: unknown) => void): Promise<() => Promise<void>>;
}

export interface DatabaseOptions {
  /** postgres://… or a SQLite file path. */
  url: string;
  /** PostgreSQL schema to use (tests isolate themselves in one). */
  schema?: string;
  poolSize?: number;
  /**
   * SQLite file only: checkpoint the WAL on a thread of its own instead of inside commits (`db/sqlite-checkpoints.ts`).
   * For the long-running processes (API, worker); short ones (CLI, tests) keep SQLite's own.
   */
  backgroundCheckpoints?: BackgroundCheckpointOptions;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export function openDatabase(options: DatabaseOptions): Db {
  if (isPostgresUrl(options.url)) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    // One channel per schema: tests share a database, each in a schema of its own.
    const channel = `leadnotify_outbox${options.schema ? `_${options.schema}` : ''}`;
    return {
      kysely,
      engine: 'postgres',
      close: () => kysely.destroy(),
      signalOutbox: async () => {
        await sql`select pg_notify(${channel}, '')`.execute(kysely);
      },
      listenToOutbox: (onSignal, onError) => listenOn({ connectionString: options.url, ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}) }, channel, onSignal, onError),
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(options.url) && !/^sqlite:/i.test(options.url)) {
    throw new Error(`unsupported database URL scheme ${options.url.split(':')[0]}: (SQLite file path or postgres:// only)`);
  }
  const file = options.url.replace(/^sqlite:(\/\/)?/i, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers proceed during a write; busy_timeout makes a second process wait instead of failing.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const dialect = new QueuedSqliteDialect({ database: withStatementCache(sqlite) });
  const kysely = new Kysely<Database>({ dialect });
  const checkpoints =
    options.backgroundCheckpoints && file !== ':memory:'
      ? startBackgroundCheckpoints(file, sqlite, (work) => dialect.whileIdle(work), options.backgroundCheckpoints)
      : undefined;
  return {
    kysely,
    engine: 'sqlite',
    close: async () => {
      // The checkpoint thread's connection first: the last connection to close checkpoints the whole WAL.
      await checkpoints?.stop();
      await kysely.destroy();
    },
  };
}

/** How long a lost LISTEN connection waits before connecting again. */
const RELISTEN_MS = 1_000;

/**
 * LISTEN on a connection of its own (a pooled one would be handed to queries), connecting again whenever it is lost;
 * a signal that came while it was down is made up for by calling `onSignal` once it listens again.
 */
async function listenOn(connection: pg.ClientConfig, channel: string, onSignal: () => void, onError: (error: unknown) => void): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client(connection);
    next.on('notification', () => onSignal());
    next.on('error', (error) => {
      onError(error);
      void next.end().catch(() => {});
      if (!stopped) retry = setTimeout(() => void reconnect(), RELISTEN_MS);
    });
    await next.connect();
    await next.query(`LISTEN "${channel}"`);
    client = next;
  };
  const reconnect = async () => {
    try {
      await connect();
      onSignal();
    } catch (error) {
      onError(error);
      if (!stopped) retry = setTimeout(() => void reconnect(), RELISTEN_MS);
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}

/** Prepared statements kept per connection. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every statement anew; parsing SQL is a large share of a short query's cost in SQLite.
 * The same SQL text (the API issues a small fixed set) reuses its prepared statement instead; when the cache is
 * full the statement prepared longest ago makes room.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): KyselySqlite {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

/** The migrator over this project's migrations, for this database's schema. */
export async function createMigrator(db: Db): Promise<Migrator> {
  // Kysely looks for its migration tables in every schema unless told which: another schema's tables (a second
  // app, or parallel test schemas) would make it skip creating ours. Name the schema the connection uses.
  const schema =
    db.engine === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db.kysely)).rows[0]?.schema : undefined;
  return new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
    // Migrations from parallel branches applied in the order they landed, not only in key order.
    allowUnorderedMigrations: true,
  });
}

export async function migrateToLatest(db: Db): Promise<void> {
  const { error, results } = await (await createMigrator(db)).migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
