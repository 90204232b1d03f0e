import 'dotenv/config';
import { ConfigError, loadConfig } from './config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { createLogger } from './logger.js';
import { createNotifier } from './notifications/delivery/notifier.js';
import { wechatFromConfig } from './notifications/delivery/wechat-from-config.js';
import { onShutdownSignal } from './shutdown.js';

/** The notifier as its own process, for APIs started with NOTIFIER=off. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const wechat = wechatFromConfig(config, logger);
  if (!wechat.client) throw new Error(`the worker needs WeChat configured: ${wechat.reason}`);
  const db = openDatabase({ url: config.DATABASE_URL });
  await migrateToLatest(db);
  const notifier = createNotifier({ db, wechat: wechat.client, config, clock: { now: () => Date.now() }, logger: logger.child({ component: 'notifier' }) });
  notifier.start();
  onShutdownSignal(logger, async () => {
    await notifier.stop();
    await db.close();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `worker failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
