import type { WechatClient } from '@leadnotify/wechat-client';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import type { Metrics } from './metrics/metrics.js';

/** What route handlers and domain functions get instead of globals. */
export interface AppContext {
  db: Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  /**
   * Called after an assignment (or a retry) commits new outbox rows, so delivery starts without waiting for
   * the next poll. The in-process notifier's wake(); a no-op where nothing delivers (CLI, NOTIFIER=off).
   */
  onNotificationsQueued(ids: string[]): void;
  /** WeChat's server API, for what the API asks of WeChat itself (binding codes); absent when not configured. */
  wechat?: WechatClient;
  /** Absent in the CLI and scripts, which export no metrics. */
  metrics?: Metrics;
}
