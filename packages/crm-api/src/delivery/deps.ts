import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RetryPolicy, TransitionContext } from './states/transition.js';

/** What every delivery step gets: the database, the clock, the settings, and how to wake the notifier. */
export interface DeliveryDeps {
  db: Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics | undefined;
  /** Makes the notifier look for due messages now (in this process, or the worker's). */
  wake(): void;
  /** In [0, 1): backoff jitter. Tests pass a fixed one. */
  random?: () => number;
  newDeliveryId?: () => string;
}

export function retryPolicyOf(config: Config): RetryPolicy {
  return {
    maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
    maxAgeMs: config.NOTIFY_MAX_AGE_HOURS * 3_600_000,
    backoffBaseMs: config.NOTIFY_BACKOFF_BASE_MS,
    backoffMaxMs: config.NOTIFY_BACKOFF_MAX_MS,
  };
}

/** The state machine's view of now and of the settings. */
export function transitionContext(deps: Pick<DeliveryDeps, 'config' | 'clock' | 'random' | 'newDeliveryId'>, nowMs = deps.clock.now()): TransitionContext {
  return { nowMs, policy: retryPolicyOf(deps.config), random: deps.random ?? Math.random, newDeliveryId: deps.newDeliveryId ?? randomUUID };
}
