import type { Logger } from 'pino';

/**
 * Runs `close` once on SIGTERM or SIGINT, then exits; a second signal exits at once. `plainLine` (default on) also
 * prints a plain line for a person at a terminal; a production log (JSON for pm2) gets the log record only.
 */
export function onShutdownSignal(logger: Logger, close: () => Promise<void>, options: { plainLine?: boolean } = {}): void {
  let closing = false;
  const handle = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    logger.info({ signal }, 'shutting down');
    // Plain line whatever LOG_LEVEL is: Ctrl-C in a terminal always shows the service heard it.
    if (options.plainLine ?? true) console.log(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}: shutting down (finishing in-flight work; again to force)`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
