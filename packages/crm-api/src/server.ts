import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningEmulator } from '@leadnotify/wechat-emulator';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { Config } from './config.js';
import type { AppContext, Clock } from './context.js';
import { migrateToLatest, openDatabase, type Db } from './db/database.js';
import { demoInstructions, seedDemoIfEmpty } from './local/seed-demo.js';
import { createMetrics } from './metrics/metrics.js';
import type { Notifier } from './notifications/delivery/notifier.js';
import { notifierFromConfig } from './notifications/delivery/notifier-from-config.js';

export interface RunningServer {
  url: string;
  db: Db;
  config: Config;
  emulator: RunningEmulator | undefined;
  notifier: Notifier | undefined;
  /** Printed for a newcomer when a demo was seeded. */
  instructions: string | undefined;
  stop(): Promise<void>;
}

/**
 * Everything `pnpm start` runs: database and migrations, the local WeChat emulator when no AppSecret is
 * set (with a demo on an empty database), the HTTP API, and the in-process notifier.
 */
export async function startServer(baseConfig: Config, logger: Logger, clock: Clock = { now: () => Date.now() }): Promise<RunningServer> {
  const db = openDatabase({ url: baseConfig.DATABASE_URL });
  await migrateToLatest(db);

  let config = baseConfig;
  let emulator: RunningEmulator | undefined;
  const local = !config.MINIPROGRAM_APPSECRET && config.WECHAT_EMULATOR === 'auto' ? await import('./local/local-wechat.js') : undefined;
  if (local) {
    // Loaded only here: a deployment with real credentials never loads the emulator or the function code.
    const started = await local.startLocalWechat(config, logger);
    config = started.config;
    emulator = started.emulator;
  }

  const metrics = createMetrics();
  metrics.watchOutbox(db, clock);
  let notifier: Notifier | undefined;
  if (config.NOTIFIER === 'inline') {
    const setup = notifierFromConfig({ db, config, clock, logger, metrics });
    notifier = setup.notifier;
    if (!setup.notifier) logger.warn(`WeChat is not configured (${setup.reason}): assignments work, notifications wait as pending until it is`);
  } else {
    logger.info('NOTIFIER=off: this process does not deliver notifications; run `pnpm --filter crm-api worker`');
  }

  const ctx: AppContext = { db, config, clock, logger, metrics, signal: { notificationsQueued: () => notifier?.wake() } };
  const seed = emulator ? await seedDemoIfEmpty(ctx) : undefined;
  if (local && emulator) await local.prepareLocalUsers(db, emulator);

  const server: Server = await new Promise((resolve, reject) => {
    const listening = createApp(ctx).listen(config.PORT, config.HOST, () => resolve(listening));
    listening.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  logger.info({ port, database: db.engine, wechat: emulator ? 'emulator' : config.WECHAT_API_BASE_URL }, `crm-api listening on ${url}`);
  notifier?.start();

  return {
    url,
    db,
    config,
    emulator,
    notifier,
    instructions: seed && emulator ? demoInstructions(seed, url, emulator.url) : undefined,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await notifier?.stop();
      await emulator?.stop();
      await db.close();
    },
  };
}
