import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { createNotifier } from '../src/notifications/delivery/notifier.js';
import { wechatFromConfig } from '../src/notifications/delivery/wechat-from-config.js';
import { pendingCount } from './seed-bench.js';

/**
 * The notifier alone in a process started with --expose-gc, for the memory benchmark: whenever the outbox
 * is empty it collects garbage and prints its memory, so rounds compare live memory, not GC timing.
 */
const config = loadConfig();
const logger = createLogger('warn');
const wechat = wechatFromConfig(config, logger);
if (!wechat.client) throw new Error(wechat.reason);
const db = openDatabase({ url: config.DATABASE_URL });
const notifier = createNotifier({ db, wechat: wechat.client, config, clock: { now: () => Date.now() }, logger });
notifier.start();
console.log('drain process on http://ready:0');

let reported = true;
setInterval(async () => {
  const pending = await pendingCount(db);
  if (pending > 0) {
    reported = false;
    return;
  }
  if (reported) return;
  reported = true;
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  console.log(`memory rss=${usage.rss} heapUsed=${usage.heapUsed}`);
}, 500);

process.on('SIGTERM', () => {
  void notifier.stop().then(() => db.close()).then(() => process.exit(0));
});
