import type { Logger } from 'pino';
import { describeDatabase, type Config } from './config.js';
import { migrateToLatest, openDatabase, type DatabaseOptions, type Db } from './db/database.js';

export interface ConfiguredDatabase {
  db: Db;
  /** Which database this process uses, for its start line: engine and file, or host and database; never a password. */
  description: string;
}

/**
 * Opens and migrates the database DATABASE_URL names, the same way for the API, the worker and the CLI. A
 * failure names DATABASE_URL (without its password), so the fix is obvious.
 */
export async function openConfiguredDatabase(
  config: Pick<Config, 'DATABASE_URL'>,
  options: Pick<DatabaseOptions, 'backgroundCheckpoints'> = {},
): Promise<ConfiguredDatabase> {
  const description = describeDatabase(config.DATABASE_URL);
  let db: Db | undefined;
  try {
    db = openDatabase({ url: config.DATABASE_URL, ...options });
    await migrateToLatest(db);
    return { db, description };
  } catch (error) {
    await db?.close().catch(() => {});
    const reason = redactUrls(error instanceof Error ? error.message : String(error));
    throw new Error(`cannot open the database DATABASE_URL points at (${description}): ${reason}`, { cause: error });
  }
}

/** For the long-running processes: a SQLite WAL checkpointed off the event loop, a failure of that said where operators look. */
export function backgroundCheckpointsLoggingTo(logger: Logger): Pick<DatabaseOptions, 'backgroundCheckpoints'> {
  return {
    backgroundCheckpoints: {
      onFailure: (error) => logger.warn({ err: error }, "SQLite's background checkpoint stopped; commits checkpoint the WAL themselves again"),
    },
  };
}

/** A driver message may quote the URL it was given; never print a password from it. */
function redactUrls(message: string): string {
  return message.replace(/(\w+:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
}
