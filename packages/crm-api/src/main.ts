import { checkWechatConfig, ConfigError, loadConfig, loadEnvFile } from './config.js';
import { createLogger } from './logger.js';
import { startLines, startServer } from './server.js';
import { onShutdownSignal } from './shutdown.js';

/**
 * The production entry (pm2). It never falls back to a local WeChat: a half-filled WeChat configuration, or
 * none at all with NODE_ENV=production, refuses to start before anything is opened or seeded.
 */
async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  checkWechatConfig(config, { requireWechat: process.env.NODE_ENV === 'production' });
  const logger = createLogger(config.LOG_LEVEL);
  const running = await startServer(config, logger);
  // Plain lines on stdout whatever LOG_LEVEL is: scripts and people wait for them.
  console.log(`crm-api listening on ${running.url}`);
  console.log(startLines(running));
  onShutdownSignal(logger, () => running.stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `crm-api failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
