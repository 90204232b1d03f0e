import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { WechatClient } from '@leadnotify/wechat-client';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Clock } from '../../context.js';
import type { Db } from '../../db/database.js';
import { buildNotificationEvents } from './build-events.js';
import { claimDeliveries } from './claim-deliveries.js';
import { invokeSend } from './invoke-function.js';
import { recordOutcome, releaseLeases, type RetryPolicy } from './record-outcome.js';

export interface NotifierDeps {
  db: Db;
  wechat: WechatClient;
  config: Config;
  clock: Clock;
  logger: Logger;
  random?: () => number;
  workerId?: string;
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
  let wakeUp: () => void = () => {};
  let wakeSignal = newWakeSignal();

  function newWakeSignal(): Promise<void> {
    return new Promise((resolve) => {
      wakeUp = resolve;
    });
  }

  async function runOnce(): Promise<number> {
    const startedAtMs = clock.now();
    const deliveries = await claimDeliveries(db.kysely, db.engine, {
      workerId,
      nowMs: startedAtMs,
      leaseMs: config.NOTIFY_LEASE_SECONDS * 1000,
      limit: config.NOTIFY_BATCH_SIZE,
      digestMs: config.NOTIFY_DIGEST_SECONDS * 1000,
    });
    if (deliveries.length === 0) return 0;
    const events = await buildNotificationEvents(db.kysely, deliveries);
    const outcomes = await invokeSend(wechat, config.WECHAT_CLOUD_FUNCTION, events, startedAtMs);
    for (const delivery of deliveries) {
      const outcome = outcomes.get(delivery.deliveryId);
      if (!outcome) continue;
      await recordOutcome(db.kysely, delivery, outcome, { workerId, startedAtMs, nowMs: clock.now(), policy });
      logger.info(
        { deliveryId: delivery.deliveryId, notifications: delivery.rows.length, outcome: outcome.kind, reason: outcome.reason },
        'notification delivery finished',
      );
    }
    return deliveries.length;
  }

  async function loop(): Promise<void> {
    while (running) {
      let handled = 0;
      try {
        handled = await runOnce();
      } catch (error) {
        logger.error({ err: error }, 'notifier iteration failed; retrying after the poll interval');
      }
      if (handled > 0 || !running) continue;
      await Promise.race([wakeSignal, new Promise((resolve) => setTimeout(resolve, config.NOTIFY_POLL_MS).unref())]);
    }
  }

  function wake(): void {
    const resolve = wakeUp;
    wakeSignal = newWakeSignal();
    resolve();
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
