import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Metrics } from '../metrics/metrics.js';
import { createChannel } from './channels/registry.js';
import { createNotifier, type Notifier } from './notifier.js';
import { wechatFromConfig, type WechatSetup } from './wechat-from-config.js';

export type NotifierSetup = { notifier: Notifier } | { notifier: undefined; reason: string };

/**
 * The notifier the API and the worker run, sending through the channel the config reaches (with the WeChat client the
 * API already made, when it made one); or why there is none.
 */
export function notifierFromConfig(deps: { db: Db; config: Config; clock: Clock; logger: Logger; metrics?: Metrics; wechat?: WechatSetup }): NotifierSetup {
  const { db, config, clock, logger, metrics } = deps;
  const wechat = deps.wechat ?? wechatFromConfig(config, logger, metrics?.observeWechat);
  if (!wechat.client) return { notifier: undefined, reason: wechat.reason };
  const channel = createChannel('wechat-subscribe', { cloudFunction: wechat.cloudFunction });
  if (!channel) return { notifier: undefined, reason: 'no channel is configured' };
  return { notifier: createNotifier({ db, channel, config, clock, metrics, logger: logger.child({ component: 'notifier' }) }) };
}
