import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ConfigError, checkWechatConfig, loadConfig, loadEnvFile } from './config.js';
import { backgroundCheckpointsLoggingTo, openConfiguredDatabase } from './database-from-config.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics/metrics.js';
import { ALIVE } from './http/routes/health-routes.js';
import { metricsRoutes } from './http/routes/metrics-routes.js';
import { notifierFromConfig } from './delivery/notifier-from-config.js';
import { missingWechatConfig } from './delivery/wechat-from-config.js';
import { onShutdownSignal } from './shutdown.js';

/** The notifier as its own process, for APIs started with NOTIFIER=off. */
async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  checkWechatConfig(config, { requireWechat: true });
  const logger = createLogger(config.LOG_LEVEL);
  const clock = { now: () => Date.now() };
  const metrics = createMetrics();
  const missing = missingWechatConfig(config);
  if (missing) throw new Error(`the worker needs WeChat configured: ${missing}`);
  const { db, description } = await openConfiguredDatabase(config, backgroundCheckpointsLoggingTo(logger));
  const { notifier } = notifierFromConfig({ db, config, clock, logger, metrics });
  if (!notifier) {
    await db.close();
    throw new Error('the worker could not create its WeChat client');
  }
  console.log(`worker delivering from database: ${description}`);
  metrics.watchOutbox(db, clock);
  notifier.start();
  // PostgreSQL: an API that queued notifications wakes this worker at once, instead of its next poll.
  const stopListening = await db.listenToOutbox?.(
    () => notifier.wake(),
    (error) => logger.warn({ err: error }, 'lost the connection that wakes the worker; polling until it is back'),
  );

  let server: Server | undefined;
  const metricsPort = config.WORKER_METRICS_PORT;
  if (metricsPort !== undefined) {
    const app = express();
    app.get('/healthz', (_req, res) => void res.json({ status: ALIVE.value }));
    metricsRoutes(app, metrics);
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(metricsPort, config.HOST, () => resolve(listening));
    });
    console.log(`worker metrics on http://localhost:${(server.address() as AddressInfo).port}/metrics`);
  }

  onShutdownSignal(logger, async () => {
    server?.close();
    await stopListening?.();
    await notifier.stop();
    await db.close();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `worker failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
