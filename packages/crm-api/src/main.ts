import 'dotenv/config';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';
import { onShutdownSignal } from './shutdown.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const running = await startServer(config, logger);
  // Plain line on stdout whatever LOG_LEVEL is: scripts and people wait for it.
  console.log(`crm-api listening on ${running.url}`);
  if (running.instructions) console.log(running.instructions);
  onShutdownSignal(logger, () => running.stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `crm-api failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
