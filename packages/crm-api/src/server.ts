import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { migrateToLatest, openDatabase, type Db } from './db/database.js';
import { demoInstructions, seedDemoIfEmpty, type DemoSeed } from './demo-seed.js';
import type { Notifier } from './delivery/notifier.js';
import { notifierFromConfig } from './delivery/notifier-from-config.js';
import { wechatFromConfig } from './delivery/wechat-from-config.js';
import { listUsers } from './domain/users.js';
import { createApp } from './http/app.js';
import { createMetrics } from './metrics/metrics.js';

/**
 * A stand-in for WeChat on this machine (the workspace's emulator): `pnpm start` and the end-to-end tests
 * pass one in; production never does, so crm-api never depends on it.
 */
export interface LocalWechat {
  url: string;
  /** The variables that point the API at it as if it were WeChat. */
  env: Pick<Config, 'MINIPROGRAM_APPID' | 'MINIPROGRAM_APPSECRET' | 'MINIPROGRAM_CLOUD_ENV' | 'WECHAT_API_BASE_URL' | 'LEADNOTIFY_SHARED_SECRET'>;
  /** Binds a CRM user to a simulated WeChat user with this many one-time subscriptions. */
  setupUser(crmUserId: string, subscriptions: number): Promise<unknown>;
  stop(): Promise<void>;
}

export interface ServerOptions<L extends LocalWechat> {
  clock?: Clock;
  /** Started when no AppSecret is configured; the service then delivers to it and seeds a demo. */
  localWechat?: (config: Config) => Promise<L>;
}

export interface RunningServer<L extends LocalWechat = LocalWechat> {
  url: string;
  db: Db;
  config: Config;
  /** What route handlers get; for scripts that call domain functions against the running service. */
  context: AppContext;
  localWechat: L | undefined;
  notifier: Notifier | undefined;
  /** Printed for a newcomer when a demo was seeded. */
  instructions: string | undefined;
  /** The demo just seeded (users with their tokens), so `pnpm start` can print a binding code; undefined otherwise. */
  demo: DemoSeed | undefined;
  stop(): Promise<void>;
}

/** Subscriptions granted to every local user, so the demo keeps delivering. */
const LOCAL_SUBSCRIPTIONS = 1000;

/**
 * Everything the service runs: database and migrations, the HTTP API and the in-process notifier — and,
 * when a local WeChat is passed and no AppSecret is set, that local WeChat with a demo on an empty database.
 */
export async function startServer<L extends LocalWechat = LocalWechat>(
  baseConfig: Config,
  logger: Logger,
  options: ServerOptions<L> = {},
): Promise<RunningServer<L>> {
  const clock = options.clock ?? systemClock;
  const db = openDatabase({ url: baseConfig.DATABASE_URL });
  await migrateToLatest(db);

  let config = baseConfig;
  const localWechat = !config.MINIPROGRAM_APPSECRET && options.localWechat ? await options.localWechat(config) : undefined;
  if (localWechat) {
    config = Object.freeze({ ...config, ...localWechat.env });
    logger.warn(
      { wechat: localWechat.url },
      `MINIPROGRAM_APPSECRET is not set: using the local WeChat emulator at ${localWechat.url} (messages: ${localWechat.url}/_emulator/messages). Set the WeChat variables to deliver for real.`,
    );
  }

  const metrics = createMetrics();
  metrics.watchOutbox(db, clock);
  // One client, so the notifier and the API's own calls (binding codes) share one access token.
  const wechat = wechatFromConfig(config, logger, metrics.observeWechat);
  let notifier: Notifier | undefined;
  if (config.NOTIFIER === 'inline') {
    const setup = notifierFromConfig({ db, config, clock, logger, metrics, wechat });
    notifier = setup.notifier;
    if (!setup.notifier) logger.warn(`WeChat is not configured (${setup.reason}): assignments work, notifications wait as pending until it is`);
  } else {
    logger.info('NOTIFIER=off: this process does not deliver notifications; run `pnpm --filter crm-api worker`');
  }
  const wake = notifier ? () => notifier.wake() : () => {};

  const context: AppContext = { db, config, clock, logger, metrics, onNotificationsQueued: wake, ...(wechat.client ? { wechat: wechat.client } : {}) };
  const seed = localWechat ? await seedDemoIfEmpty(context) : undefined;
  if (localWechat) {
    // The emulator forgets everything on restart: bind and subscribe every active user again.
    for (const user of await listUsers(context, { active: true })) await localWechat.setupUser(user.id, LOCAL_SUBSCRIPTIONS);
  }

  const server: Server = await new Promise((resolve, reject) => {
    const listening = createApp(context).listen(config.PORT, config.HOST, () => resolve(listening));
    listening.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  logger.info({ port, database: db.engine, wechat: localWechat ? 'emulator' : config.WECHAT_API_BASE_URL }, `crm-api listening on ${url}`);
  notifier?.start();

  return {
    url,
    db,
    config,
    context,
    localWechat,
    notifier,
    instructions: seed && localWechat ? demoInstructions(seed, url, localWechat.url) : undefined,
    demo: seed,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await notifier?.stop();
      await localWechat?.stop();
      await db.close();
    },
  };
}
