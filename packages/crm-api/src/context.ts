import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import type { Metrics } from './metrics/metrics.js';

export interface Clock {
  now(): number;
}

/** Notified after an assignment commits, so delivery starts without waiting for the next poll. */
export interface NotificationSignal {
  notificationsQueued(ids: string[]): void;
}

/** What route handlers and domain functions get instead of globals. */
export interface AppContext {
  db: Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  signal: NotificationSignal;
  /** Absent in the CLI and scripts, which export no metrics. */
  metrics?: Metrics;
}
