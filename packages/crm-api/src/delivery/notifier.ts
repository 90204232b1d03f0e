import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { WechatClient } from '@leadnotify/wechat-client';
import type { Logger } from 'pino';
import { REASONS, type DeliveryEventInput } from '@leadnotify/contracts';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { claimDeliveries, releaseLeases, requeueRows, requeueUnreceipted, settleReceipts } from '../db/outbox/index.js';
import { acceptedSince } from '../db/push-store.js';
import type { Metrics } from '../metrics/metrics.js';
import { buildNotificationEvents } from './build-events.js';
import { invokeSend } from './invoke-function.js';
import { recordOutcomes, type RetryPolicy } from './record-outcomes.js';
import type { Delivery, DeliveryOutcome } from './types.js';

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
  /** Makes an idle loop look for work now instead of at the next poll (or, with none idle, the next free one). */
  wake(): void;
  /** Claims one batch and delivers it; returns how many deliveries it handled. For tests and scripts. */
  runOnce(): Promise<number>;
  /** Stops claiming, lets in-flight invocations finish, releases whatever is still held. */
  stop(): Promise<void>;
}

/**
 * Resolves after the promise jobs queued so far — an HTTP request's preparation up to its socket write —
 * have run.
 */
const requestDispatched = () => new Promise<void>((resolve) => setImmediate(resolve));

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
  /** Idle loops waiting for work; wake() releases one, stop() all. */
  const sleepers = new Set<() => void>();
  /**
   * A wake() that found no loop asleep: every loop was claiming or had an invocation in flight, and its claim may
   * have run before the new rows committed. The next loop to come up empty claims again instead of sleeping a poll.
   */
  let wakePending = false;

  function idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      // Not unref'd: in the worker process this timer is what keeps it alive while the outbox is empty.
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  }

  interface ClaimedBatch {
    startedAtMs: number;
    deliveries: Delivery[];
    events: DeliveryEventInput[];
    /** The deliveries (and rows of them) the events are for. */
    sending: Delivery[];
    /** Rows no customer of which is the assignee's any more: recorded without asking WeChat. */
    withdrawn: Delivery[];
  }

  interface InvokedBatch {
    startedAtMs: number;
    results: Array<{ delivery: Delivery; outcome: DeliveryOutcome }>;
  }

  let receiptsCheckedAtMs = 0;
  /**
   * With message push configured, an unconfirmed delivery whose receipt never came was not delivered: send
   * it again (the documented choice; without push there is no receipt to wait for, and it stays unconfirmed).
   */
  async function resendUnreceipted(nowMs: number): Promise<void> {
    if (!config.WECHAT_PUSH_TOKEN || nowMs - receiptsCheckedAtMs < config.NOTIFY_POLL_MS) return;
    receiptsCheckedAtMs = nowMs;
    const cutoff = new Date(nowMs - config.NOTIFY_RECEIPT_WAIT_MINUTES * 60_000).toISOString();
    const requeued = await requeueUnreceipted(db.kysely, cutoff, new Date(nowMs).toISOString());
    if (requeued.length > 0) logger.warn({ notifications: requeued.length }, 'no delivery receipt came for unconfirmed notifications: sending them again');
  }

  /** Claims due rows and builds their events; undefined when nothing was due. */
  async function claim(): Promise<ClaimedBatch | undefined> {
    const startedAtMs = clock.now();
    await resendUnreceipted(startedAtMs);
    const deliveries = await claimDeliveries(db.kysely, db.engine, {
      workerId,
      nowMs: startedAtMs,
      leaseMs: config.NOTIFY_LEASE_SECONDS * 1000,
      limit: config.NOTIFY_BATCH_SIZE,
      digestMs: config.NOTIFY_DIGEST_SECONDS * 1000,
    });
    if (deliveries.length === 0) return undefined;
    return { startedAtMs, deliveries, ...(await buildNotificationEvents(db.kysely, deliveries)) };
  }

  /** One invocation for the whole batch (none when every delivery of it was withdrawn). */
  async function send(batch: ClaimedBatch): Promise<InvokedBatch> {
    const outcomes = batch.events.length > 0 ? await invokeSend(wechat, config.WECHAT_CLOUD_FUNCTION, batch.events, batch.startedAtMs) : new Map<string, DeliveryOutcome>();
    const results = batch.sending.flatMap((delivery) => {
      const outcome = outcomes.get(delivery.deliveryId);
      return outcome ? [{ delivery, outcome }] : [];
    });
    const withdrawn: DeliveryOutcome = { kind: 'withdrawn', reason: 'NO_LONGER_ASSIGNED', message: REASONS.NO_LONGER_ASSIGNED.summary };
    return { startedAtMs: batch.startedAtMs, results: [...results, ...batch.withdrawn.map((delivery) => ({ delivery, outcome: withdrawn }))] };
  }

  async function record(batch: InvokedBatch): Promise<void> {
    const recorded = await recordOutcomes(db.kysely, batch.results, { workerId, startedAtMs: batch.startedAtMs, nowMs: clock.now(), policy });
    for (const row of recorded) deps.metrics?.countNotification(row.status, row.reason);
    for (const { delivery, outcome } of batch.results) {
      const fields = { deliveryId: delivery.deliveryId, notifications: delivery.rows.length, outcome: outcome.kind, reason: outcome.reason };
      if (outcome.kind === 'failed') {
        // Stays failed until someone acts: say what to do where operators look.
        logger.error({ ...fields, message: outcome.message, fix: REASONS[outcome.reason].fix }, 'notification failed for good');
      } else if (outcome.kind === 'unconfirmed') {
        logger.warn({ ...fields, message: outcome.message, fix: REASONS[outcome.reason].fix }, 'notification may or may not have reached the salesperson');
      } else {
        logger.info(fields, 'notification delivery finished');
      }
    }
    for (const row of recorded) if (row.status === 'dead') logger.error({ reason: row.reason }, 'notification gave up after its attempt budget');
    // The salesperson accepted while this attempt was being refused: the catch-up that ran on their acceptance
    // could not see this skip yet, so it goes out again now.
    const startedAt = new Date(batch.startedAtMs).toISOString();
    for (const { delivery, outcome } of batch.results) {
      if (outcome.kind !== 'skipped' || outcome.reason !== 'NO_SUBSCRIPTION') continue;
      if (!(await acceptedSince(db.kysely, delivery.assigneeId, startedAt))) continue;
      const requeued = await requeueRows(db.kysely, db.engine, { ids: delivery.rows.map((row) => row.id) }, new Date(clock.now()).toISOString());
      if (requeued.length > 0) {
        logger.info({ deliveryId: delivery.deliveryId }, 'skipped while the salesperson was accepting: sent again');
        wake();
      }
    }
    // WeChat's receipt for a delivery may have come before the delivery was recorded: settle it now. Receipts
    // arrive only through the message push, so without it there is nothing to look for on this hot path.
    if (!config.WECHAT_PUSH_TOKEN) return;
    const openids = new Set(batch.results.flatMap(({ outcome }) => ('openid' in outcome && outcome.openid ? [outcome.openid] : [])));
    for (const openid of openids) {
      const settled = await settleReceipts(db.kysely, db.engine, openid, { now: new Date(clock.now()).toISOString(), receiptWaitMs: config.NOTIFY_RECEIPT_WAIT_MINUTES * 60_000 });
      if (settled.some((settlement) => settlement.status === 'pending')) wake();
    }
  }

  async function runOnce(): Promise<number> {
    const claimed = await claim();
    if (!claimed) return 0;
    const sent = await send(claimed);
    await record(sent);
    return sent.results.length;
  }

  const claimSafely = () =>
    claim().catch((error: unknown) => {
      logger.error({ err: error }, 'claiming notifications failed; retrying after the poll interval');
      return 'failed' as const;
    });

  /** Handled from the start: the loop awaits it only after other work. */
  const sendSafely = (batch: ClaimedBatch) =>
    send(batch).catch((error: unknown) => {
      // Unexpected: the rows stay leased and are retried under the same ids when the lease expires.
      logger.error({ err: error }, 'sending a batch failed unexpectedly');
      return undefined;
    });

  /**
   * One of NOTIFY_CONCURRENCY loops, keeping one invocation in flight. While WeChat works on a batch, the
   * loop records the previous outcome and claims the next batch, so database work does not sit between
   * round trips. better-sqlite3 blocks the event loop, so that work starts only once the request is on
   * the wire. Rows claimed ahead and not sent when stopping are released by stop().
   */
  async function loop(): Promise<void> {
    let recording: Promise<void> = Promise.resolve();
    let unrecorded: InvokedBatch | undefined;
    const recordUnrecorded = () => {
      const sent = unrecorded;
      unrecorded = undefined;
      if (!sent) return;
      recording = recording.then(() => record(sent)).catch((error: unknown) => {
        // The rows stay leased; once the lease expires they are delivered again under the same id.
        logger.error({ err: error }, 'recording delivery outcomes failed');
      });
    };
    let next = claimSafely();
    while (running) {
      const claimed = await next;
      if (claimed === undefined || claimed === 'failed') {
        recordUnrecorded();
        await recording;
        if (claimed === undefined && wakePending) {
          wakePending = false;
          if (running) next = claimSafely();
          continue;
        }
        if (running) await idle(config.NOTIFY_POLL_MS);
        if (running) next = claimSafely();
        continue;
      }
      // A full batch: more may be due (a bulk requeue); let another idle loop help rather than wait a poll.
      if (claimed.deliveries.length >= config.NOTIFY_BATCH_SIZE) [...sleepers][0]?.();
      const invoking = sendSafely(claimed);
      await requestDispatched();
      recordUnrecorded();
      next = running ? claimSafely() : Promise.resolve(undefined);
      unrecorded = await invoking;
    }
    recordUnrecorded();
    await next;
    await recording;
  }

  /**
   * One idle loop claims everything due (up to a batch); waking them all would have every one of them run a claim
   * transaction for the same rows. With none idle, the next loop to finish claims again (wakePending).
   */
  function wake(): void {
    const [sleeper] = sleepers;
    if (sleeper) sleeper();
    else wakePending = true;
  }

  function wakeAll(): void {
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
      wakeAll();
      await Promise.all(loops);
      const released = await releaseLeases(db.kysely, workerId, clock.now());
      logger.info({ workerId, released }, 'notifier stopped');
    },
  };
}
