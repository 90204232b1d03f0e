import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { WechatClient } from '@leadnotify/wechat-client';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Clock } from '../../context.js';
import type { Delivery, DeliveryOutcome } from './types.js';
import type { Db } from '../../db/database.js';
import type { Metrics } from '../../metrics/metrics.js';
import { buildNotificationEvents } from './build-events.js';
import { claimDeliveries } from './claim-deliveries.js';
import { invokeSend } from './invoke-function.js';
import { recordOutcomes, releaseLeases, type RetryPolicy } from './record-outcome.js';

export interface NotifierDeps {
  db: Db;
  wechat: WechatClient;
  config: Config;
  clock: Clock;
  logger: Logger;
  random?: () => number;
  workerId?: string;
  metrics?: Metrics;
}

export interface Notifier {
  readonly workerId: string;
  /** Starts NOTIFY_CONCURRENCY loops that claim and send until stopped. */
  start(): void;
  /** Makes idle loops look for work now instead of at the next poll. */
  wake(): void;
  /** Claims one batch and delivers it; returns how many deliveries it handled. For tests and scripts. */
  runOnce(): Promise<number>;
  /** Stops claiming, lets in-flight invocations finish, releases whatever is still held. */
  stop(): Promise<void>;
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const { db, wechat, config, clock, logger } = deps;
  const workerId = deps.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const policy: RetryPolicy = {
    maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
    maxAgeMs: config.NOTIFY_MAX_AGE_HOURS * 3_600_000,
    backoffBaseMs: config.NOTIFY_BACKOFF_BASE_MS,
    backoffMaxMs: config.NOTIFY_BACKOFF_MAX_MS,
    random: deps.random ?? Math.random,
  };
  let running = false;
  let loops: Promise<void>[] = [];
  /** Idle loops waiting for work; wake() releases them all. */
  const sleepers = new Set<() => void>();

  function idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      sleepers.add(done);
    });
  }

  interface InvokedBatch {
    startedAtMs: number;
    results: Array<{ delivery: Delivery; outcome: DeliveryOutcome }>;
  }

  /** Claims due rows and sends them in one invocation; undefined when nothing was due. */
  async function claimAndSend(): Promise<InvokedBatch | undefined> {
    const startedAtMs = clock.now();
    const deliveries = await claimDeliveries(db.kysely, db.engine, {
      workerId,
      nowMs: startedAtMs,
      leaseMs: config.NOTIFY_LEASE_SECONDS * 1000,
      limit: config.NOTIFY_BATCH_SIZE,
      digestMs: config.NOTIFY_DIGEST_SECONDS * 1000,
    });
    if (deliveries.length === 0) return undefined;
    const events = await buildNotificationEvents(db.kysely, deliveries);
    const outcomes = await invokeSend(wechat, config.WECHAT_CLOUD_FUNCTION, events, startedAtMs);
    const results = deliveries.flatMap((delivery) => {
      const outcome = outcomes.get(delivery.deliveryId);
      return outcome ? [{ delivery, outcome }] : [];
    });
    return { startedAtMs, results };
  }

  async function record(batch: InvokedBatch): Promise<void> {
    const recorded = await recordOutcomes(db.kysely, batch.results, { workerId, startedAtMs: batch.startedAtMs, nowMs: clock.now(), policy });
    for (const row of recorded) deps.metrics?.countNotification(row.status, row.reason);
    for (const { delivery, outcome } of batch.results) {
      logger.info(
        { deliveryId: delivery.deliveryId, notifications: delivery.rows.length, outcome: outcome.kind, reason: outcome.reason },
        'notification delivery finished',
      );
    }
  }

  async function runOnce(): Promise<number> {
    const batch = await claimAndSend();
    if (!batch) return 0;
    await record(batch);
    return batch.results.length;
  }

  /**
   * One of NOTIFY_CONCURRENCY loops. It records a batch's outcome while its next invocation is already in
   * flight, so database work does not sit between WeChat round trips; recording stays in order per loop.
   */
  async function loop(): Promise<void> {
    let recording: Promise<void> = Promise.resolve();
    while (running) {
      let batch: InvokedBatch | undefined;
      try {
        batch = await claimAndSend();
      } catch (error) {
        logger.error({ err: error }, 'notifier iteration failed; retrying after the poll interval');
      }
      if (batch) {
        const sent = batch;
        recording = recording.then(() => record(sent)).catch((error: unknown) => {
          // The rows stay leased; once the lease expires they are delivered again under the same id.
          logger.error({ err: error }, 'recording delivery outcomes failed');
        });
        continue;
      }
      await recording;
      if (running) await idle(config.NOTIFY_POLL_MS);
    }
    await recording;
  }

  function wake(): void {
    for (const done of [...sleepers]) done();
  }

  return {
    workerId,
    start() {
      if (running) return;
      running = true;
      loops = Array.from({ length: config.NOTIFY_CONCURRENCY }, () => loop());
      logger.info({ workerId, concurrency: config.NOTIFY_CONCURRENCY, batchSize: config.NOTIFY_BATCH_SIZE }, 'notifier started');
    },
    wake,
    runOnce,
    async stop() {
      if (!running) return;
      running = false;
      wake();
      await Promise.all(loops);
      const released = await releaseLeases(db.kysely, workerId, clock.now());
      logger.info({ workerId, released }, 'notifier stopped');
    },
  };
}
