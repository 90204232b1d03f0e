import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { notifierFromConfig } from '../src/delivery/notifier-from-config.js';
import { pendingCount } from './seed-bench.js';

/**
 * The notifier alone in a process started with --expose-gc, for the memory benchmark: whenever the outbox
 * is empty it collects garbage and prints its memory, so rounds compare live memory, not GC timing.
 */
const config = loadConfig();
const logger = createLogger('warn');
const db = openDatabase({ url: config.DATABASE_URL });
const setup = notifierFromConfig({ db, config, clock: { now: () => Date.now() }, logger });
if (!setup.notifier) throw new Error(setup.reason);
const { notifier } = setup;
notifier.start();
console.log('drain process on http://ready:0');

let reported = true;
let reports = 0;
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
  // Numbered: the parent keeps only the tail of this output, so it looks for a number, not a count of lines.
  console.log(`memory report=${++reports} rss=${usage.rss} heapUsed=${usage.heapUsed}`);
}, 500);

process.on('SIGTERM', () => {
  void notifier.stop().then(() => db.close()).then(() => process.exit(0));
});
