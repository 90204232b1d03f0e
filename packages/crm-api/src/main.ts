import 'dotenv/config';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import type { AppContext } from './context.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { createLogger } from './logger.js';
import { createNotifier, type Notifier } from './notifications/delivery/notifier.js';
import { wechatFromConfig } from './notifications/delivery/wechat-from-config.js';
import { onShutdownSignal } from './shutdown.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const db = openDatabase({ url: config.DATABASE_URL });
  await migrateToLatest(db);
  const clock = { now: () => Date.now() };

  let notifier: Notifier | undefined;
  if (config.NOTIFIER === 'inline') {
    const wechat = wechatFromConfig(config, logger);
    if (wechat.client) {
      notifier = createNotifier({ db, wechat: wechat.client, config, clock, logger: logger.child({ component: 'notifier' }) });
    } else {
      logger.warn(`WeChat is not configured (${wechat.reason}): assignments work, notifications wait as pending until it is`);
    }
  } else {
    logger.info('NOTIFIER=off: this process does not deliver notifications; run `pnpm --filter crm-api worker`');
  }

  const ctx: AppContext = {
    db,
    config,
    clock,
    logger,
    signal: { notificationsQueued: () => notifier?.wake() },
  };
  const server: Server = createApp(ctx).listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    logger.info({ port, database: db.engine }, `crm-api listening on http://localhost:${port}`);
    notifier?.start();
  });

  onShutdownSignal(logger, async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await notifier?.stop();
    await db.close();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `crm-api failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
