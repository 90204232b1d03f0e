import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Metrics } from '../metrics/metrics.js';
import { wecomSendsSince, wecomUserIdsOf } from '../db/users-store.js';
import { createChannelChain } from './channels/chain.js';
import type { Channel } from './channels/channel.js';
import { createChannel, type ChannelServices } from './channels/registry.js';
import type { WecomChannelDeps } from './channels/wecom/index.js';
import { createNotifier, type Notifier } from './notifier.js';
import { wechatFromConfig, type WechatSetup } from './wechat-from-config.js';
import { wecomFromConfig as wecomClientFromConfig } from './wecom-from-config.js';

export type NotifierSetup = { notifier: Notifier } | { notifier: undefined; reason: string };

/**
 * The notifier the API and the worker run, sending through the channel the config reaches (with the WeChat client the
 * API already made, when it made one); or why there is none.
 */
export function notifierFromConfig(deps: { db: Db; config: Config; clock: Clock; logger: Logger; metrics?: Metrics; wechat?: WechatSetup }): NotifierSetup {
  const { db, config, clock, logger, metrics } = deps;
  const wechat = deps.wechat ?? wechatFromConfig(config, logger, metrics?.observeWechat);
  const services: ChannelServices = { cloudFunction: wechat.cloudFunction, wecom: wecomFromConfig(deps) };
  // NOTIFY_CHANNELS in its order; a channel whose service is not configured is left out.
  const channels = config.NOTIFY_CHANNELS.map((name) => createChannel(name, services)).filter((channel): channel is Channel => channel !== undefined);
  if (channels.length === 0) return { notifier: undefined, reason: wechat.client ? 'no channel of NOTIFY_CHANNELS is configured' : wechat.reason };
  const notifierLogger = logger.child({ component: 'notifier' });
  // Even one channel goes through the chain: every outcome then names its channel.
  const channel = createChannelChain(channels, notifierLogger);
  return { notifier: createNotifier({ db, channel, config, clock, metrics, logger: notifierLogger }) };
}

/** The WeCom channel's services, when WECOM_* are set. */
function wecomFromConfig(deps: { db: Db; config: Config; clock: Clock; logger: Logger; metrics?: Metrics }): WecomChannelDeps | undefined {
  const { config } = deps;
  const client = wecomClientFromConfig(config, { clock: deps.clock, logger: deps.logger, onRequest: deps.metrics?.observeWechat });
  if (!client) return undefined;
  const format: WecomChannelDeps['format'] =
    config.WECOM_MESSAGE === 'miniprogram_notice' ? { kind: 'miniprogram_notice', appId: config.MINIPROGRAM_APPID as string } : { kind: 'textcard', url: config.WECOM_CARD_URL as string };
  return {
    client,
    format,
    userIdsOf: (ids) => wecomUserIdsOf(deps.db.kysely, ids),
    recentSends: (ids, nowMs) => wecomSendsSince(deps.db.kysely, ids, { minute: new Date(nowMs - 60_000).toISOString(), hour: new Date(nowMs - 3_600_000).toISOString() }),
    now: () => deps.clock.now(),
  };
}
