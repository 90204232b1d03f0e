import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Metrics } from '../metrics/metrics.js';
import { createNotifier, type Notifier } from './notifier.js';
import { wechatFromConfig, type WechatSetup } from './wechat-from-config.js';

export type NotifierSetup = { notifier: Notifier } | { notifier: undefined; reason: string };

/**
 * The notifier the API and the worker run, talking to the WeChat the config names (or the client the API
 * already made for it); or why there is none.
 */
export function notifierFromConfig(deps: { db: Db; config: Config; clock: Clock; logger: Logger; metrics?: Metrics; wechat?: WechatSetup }): NotifierSetup {
  const { db, config, clock, logger, metrics } = deps;
  const wechat = deps.wechat ?? wechatFromConfig(config, logger, metrics?.observeWechat);
  if (!wechat.client) return { notifier: undefined, reason: wechat.reason };
  return {
    notifier: createNotifier({ db, wechat: wechat.client, config, clock, ...(metrics ? { metrics } : {}), logger: logger.child({ component: 'notifier' }) }),
  };
}
