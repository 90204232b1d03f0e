import { checkWechatConfig, ConfigError, EXIT_CONFIG, loadConfig, loadEnvFile } from './config.js';
import { listUserRows } from './db/users-store.js';
import { logFindings } from './doctor/report-findings.js';
import { runDoctor } from './doctor/run-doctor.js';
import { createLogger } from './logger.js';
import { startLines, startServer } from './server.js';
import { onShutdownSignal } from './shutdown.js';

const FIRST_ADMIN =
  'no active admin yet: create the first one with `npx pnpm@12.4.2 cli user:create --name NAME --role admin --with-token` (same database)';

/**
 * The production entry (pm2). It never falls back to a local WeChat: a half-filled WeChat configuration, or
 * none at all with NODE_ENV=production, refuses to start before anything is opened or seeded.
 */
async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  checkWechatConfig(config, { requireWechat: process.env.NODE_ENV === 'production' });
  const logger = createLogger(config.LOG_LEVEL);
  // With NODE_ENV=production the log is JSON for pm2 and a log collector: no plain line may be mixed into it.
  const production = process.env.NODE_ENV === 'production';
  const starting = startServer(config, logger);
  // Listening before the server says so: a signal right after "listening" (pm2 restarting a fresh start) shuts down
  // cleanly instead of killing the process mid-start.
  onShutdownSignal(logger, async () => (await starting).stop(), { plainLine: !production });
  const running = await starting;
  const noAdmin = (await listUserRows(running.db.kysely, { role: 'admin', active: true })).length === 0;
  if (production) {
    logger.info({ url: running.url, database: running.database }, `crm-api listening on ${running.url}`);
    if (noAdmin) logger.warn(FIRST_ADMIN);
    // The doctor's checks, logged when they are done: never awaited, so they neither delay nor stop the start.
    const { context } = running;
    runDoctor({ ...context, cloudFunction: context.cloudFunction, wechat: context.wechat, wecom: context.wecom }).then(
      (findings) => logFindings(logger, findings),
      (error: unknown) => logger.warn({ err: error }, 'doctor: the checks failed; run `pnpm cli doctor`'),
    );
    return;
  }
  // Plain lines on stdout whatever LOG_LEVEL is: scripts and people wait for them.
  console.log(`crm-api listening on ${running.url}`);
  console.log(startLines(running));
  if (noAdmin) console.log(FIRST_ADMIN);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `crm-api failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError ? EXIT_CONFIG : 1);
});
