import type { WechatClient, WecomClient } from '@leadnotify/wechat-client';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import type { CloudFunction, PushInbox } from './delivery/channels/wechat-subscribe/index.js';
import type { Metrics } from './metrics/metrics.js';

/** What route handlers and domain functions get instead of globals. */
export interface AppContext {
  db: Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  /**
   * Called after new or requeued notifications commit, so delivery starts without waiting for the next poll: the
   * in-process notifier's wake(), or on PostgreSQL a NOTIFY a separate worker listens for; a no-op in the CLI.
   */
  wakeNotifier(): void;
  /** WeChat's server API, for what the API asks of WeChat itself (binding codes); absent when not configured. */
  wechat?: WechatClient;
  /** The cloud function, for what the API asks of it (a binding released by an admin); absent when not configured. */
  cloudFunction?: CloudFunction;
  /** WeCom's server API, for what the API asks of WeCom itself (a userid by mobile); absent when not configured. */
  wecom?: WecomClient;
  /** WeChat's pushes, stored and then applied; absent where no push is received (CLI, scripts). */
  pushInbox?: PushInbox;
  /** Absent in the CLI and scripts, which export no metrics. */
  metrics?: Metrics;
}
