import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { acceptedSince } from '../db/push-store.js';
import type { Channel } from './channels/channel.js';
import { catchUp } from './catch-up.js';
import { claimMessages, type ClaimedMessage } from './claim-messages.js';
import type { DeliveryDeps } from './deps.js';
import { currentOwners } from './outbox/read.js';
import { recordBatch, type Recorded } from './record-batch.js';
import { createLoopGate, type LoopGate } from './process-load.js';
import { releaseHeld } from './release-held.js';
import { resendUnreceipted } from './resend-unreceipted.js';
import { sendBatch, type SentBatch } from './send-batch.js';
import { settleReceipts, settleWaitingReceipts } from './settle-receipts.js';

export interface NotifierDeps extends Omit<DeliveryDeps, 'wake'> {
  channel: Channel;
  workerId?: string;
  /**
   * Whether a loop beyond the base may start, and whether the process is busy (default: its event-loop utilization,
   * createLoopGate): the loops' claims and records run on the API's event loop (and, on SQLite, its one connection), and
   * an assignment must not wait for them. An API at ease (20 assignments a second) is far from busy; one saturated by
   * a load of requests is busy, and the notifier then keeps to its base and catches up afterwards.
   */
  loopGate?: LoopGate;
}

/** Loops that may run whatever the process load: what the notifier always had before its loops could grow. */
const BASE_LOOPS = 2;
/** A wake the loop gate turned down is tried again this much later (the gate's window). */
const LOOP_GATE_RETRY_MS = 25;

export interface Notifier {
  readonly workerId: string;
  /** Starts a loop that claims and sends until stopped; more start as work waits, up to NOTIFY_CONCURRENCY. */
  start(): void;
  /** Makes an idle loop look for work now; with none idle, starts another (below the cap) or the next free one does. */
  wake(): void;
  /** Loops running now: each keeps at most one invocation in flight. */
  loops(): number;
  /** Claims one batch and delivers it; returns how many messages it handled. For tests and scripts. */
  runOnce(): Promise<number>;
  /** Stops claiming, lets in-flight invocations finish, releases whatever is still held. */
  stop(): Promise<void>;
}

/**
 * Resolves after the promise jobs queued so far — an HTTP request's preparation up to its socket write — have run.
 */
const requestDispatched = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The loop, and only the loop: claim → send through the channel → record what the state machine decided. What
 * follows a recorded batch — settling receipts that came first, catching up a salesperson who accepted meanwhile,
 * counting sends that raced a reassignment — and the periodic resend for lack of a receipt are steps of their own.
 */
export function createNotifier(notifierDeps: NotifierDeps): Notifier {
  const { channel, config, logger } = notifierDeps;
  const loopGate = notifierDeps.loopGate ?? createLoopGate();
  const workerId = notifierDeps.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const deps: DeliveryDeps = { ...notifierDeps, wake: () => wake() };
  let running = false;
  const loops = new Set<Promise<void>>();
  /** Loops that have not decided to end: counted at the decision, so two idle loops cannot both end the last two. */
  let live = 0;
  let housekeeping: Promise<void> = Promise.resolve();
  /** Idle loops waiting for work; wake() releases one, stop() all. */
  const sleepers = new Set<() => void>();
  /**
   * A wake() that found no loop asleep: every loop was claiming or had an invocation in flight, and its claim may have
   * run before the new rows committed. The next loop to come up empty claims again instead of sleeping a poll.
   */
  let wakePending = false;
  let growthRetry: NodeJS.Timeout | undefined;

  /** Resolves after `ms` ('timeout') or when woken ('woken'). */
  function idle(ms: number): Promise<'timeout' | 'woken'> {
    return new Promise((resolve) => {
      const done = (how: 'timeout' | 'woken') => {
        clearTimeout(timer);
        sleepers.delete(wakeUp);
        resolve(how);
      };
      const wakeUp = () => done('woken');
      // Not unref'd: in the worker process this timer is what keeps it alive while the outbox is empty.
      const timer = setTimeout(() => done('timeout'), ms);
      sleepers.add(wakeUp);
    });
  }

  const claim = async (): Promise<ClaimedMessage[] | undefined> => {
    const claimed = await claimMessages(deps, workerId);
    return claimed.length > 0 ? claimed : undefined;
  };

  async function record(batch: SentBatch): Promise<void> {
    const recorded = await recordBatch(deps, workerId, batch);
    await afterRecorded(batch, recorded);
  }

  /** The steps a recorded batch may start. */
  async function afterRecorded(batch: SentBatch, recorded: Recorded[]): Promise<void> {
    // WeChat's receipt for a delivery may have come before the delivery was recorded. Receipts arrive only through the
    // message push, so without it there is nothing to look for.
    if (config.WECHAT_PUSH_TOKEN) await settleReceipts(deps, recorded.flatMap((entry) => (entry.openid && entry.rowIds.length > 0 ? [entry.openid] : [])));
    // The salesperson accepted while this attempt was being refused: the catch-up their acceptance started could not
    // see this skip yet.
    const startedAt = new Date(batch.startedAtMs).toISOString();
    for (const entry of recorded) {
      if (entry.change.status !== 'skipped' || entry.change.reason !== 'NO_SUBSCRIPTION' || entry.rowIds.length === 0) continue;
      if (await acceptedSince(deps.db.kysely, entry.assigneeId, startedAt)) await catchUp(deps, entry.assigneeId, entry.rowIds);
    }
    // A customer named in a message that went out but no longer the assignee's: checked the moment the message was
    // built, so moved while it was on its way — the inherent race, counted so it is seen.
    const sent = recorded.filter((entry) => entry.change.status === 'sent' && entry.customerIds.length > 0);
    if (sent.length > 0 && deps.metrics) {
      const owners = await currentOwners(deps.db.kysely, sent.flatMap((entry) => entry.customerIds));
      deps.metrics.countSentAfterReassignment(sent.reduce((count, entry) => count + entry.customerIds.filter((id) => owners.get(id) !== entry.assigneeId).length, 0));
    }
  }

  async function runOnce(): Promise<number> {
    const claimed = await claim();
    if (!claimed) return 0;
    const sent = await sendBatch(deps, channel, claimed, workerId);
    await record(sent);
    return sent.results.length;
  }

  const claimSafely = () =>
    claim().catch((error: unknown) => {
      logger.error({ err: error }, 'claiming notifications failed; retrying after the poll interval');
      return 'failed' as const;
    });

  /** Handled from the start: the loop awaits it only after other work. */
  const sendSafely = (claimed: ClaimedMessage[]) =>
    sendBatch(deps, channel, claimed, workerId).catch((error: unknown) => {
      // Unexpected: the rows stay leased and are claimed again, maybe in flight, when the lease expires.
      logger.error({ err: error }, 'sending a batch failed unexpectedly');
      return undefined;
    });

  /**
   * Starts one more loop unless NOTIFY_CONCURRENCY run already. The number of loops follows the work: an assignment
   * that finds every loop with an invocation in flight gets a loop of its own at once, instead of waiting a WeChat
   * round trip for one to finish — so at r assignments a second and a round trip of t seconds about r × t + 1 loops
   * run, whatever the round trip is, without anyone sizing it; a loop that finds nothing twice, a poll apart, ends
   * while others run. Beyond BASE_LOOPS only as the loop gate allows (not while the process is busy, one per window):
   * under a load of requests the notifier keeps to two loops and catches up afterwards, rather than slow assignments.
   */
  function addLoop(): boolean {
    if (!running || live >= config.NOTIFY_CONCURRENCY) return false;
    if (live >= BASE_LOOPS && !loopGate.mayStartLoop()) return false;
    live += 1;
    deps.metrics?.setNotifierLoops(live);
    const started = loop().finally(() => loops.delete(started));
    loops.add(started);
    return true;
  }

  /**
   * One of the notifier's loops, keeping one invocation in flight. While the channel works on a batch, the loop
   * records the previous outcome and claims the next batch, so database work does not sit between round trips.
   * better-sqlite3 blocks the event loop, so that work starts only once the request is on the wire. Who is to hear
   * about what is checked when a batch is sent, not when it is claimed. Rows claimed ahead and not sent when stopping
   * are released by stop().
   */
  async function loop(): Promise<void> {
    let recording: Promise<void> = Promise.resolve();
    let unrecorded: SentBatch | undefined;
    const recordUnrecorded = () => {
      const sent = unrecorded;
      unrecorded = undefined;
      if (!sent) return;
      recording = recording.then(() => record(sent)).catch((error: unknown) => {
        // The rows stay leased; once the lease expires they are claimed again.
        logger.error({ err: error }, 'recording delivery outcomes failed');
      });
    };
    let left = false;
    /**
     * Counted out the moment the loop decides to end, before it finishes what it holds: two loops deciding at once must
     * each see the other's decision, or both could end the last loops (and nothing would claim the rows due).
     */
    const leave = () => {
      if (left) return;
      left = true;
      live -= 1;
      deps.metrics?.setNotifierLoops(live);
    };
    let next = claimSafely();
    /** The last claim came up empty after a whole poll asleep: with other loops running, this one is not needed. */
    let idleSincePoll = false;
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
        if (claimed === undefined && idleSincePoll && live > 1) {
          leave();
          break;
        }
        idleSincePoll = running && (await idle(config.NOTIFY_POLL_MS)) === 'timeout';
        if (running) next = claimSafely();
        continue;
      }
      idleSincePoll = false;
      // The process got busy (requests, or the loops' own records): a loop beyond the base ends, its rows sent first.
      if (live > BASE_LOOPS && loopGate.busy()) {
        leave();
        const invoking = sendSafely(claimed);
        await requestDispatched();
        recordUnrecorded();
        unrecorded = await invoking;
        break;
      }
      // A full batch: more may be due (a bulk requeue); another loop helps rather than wait a poll.
      if (claimed.length >= config.NOTIFY_BATCH_SIZE) helpWith();
      const invoking = sendSafely(claimed);
      await requestDispatched();
      recordUnrecorded();
      next = running ? claimSafely() : Promise.resolve(undefined);
      unrecorded = await invoking;
    }
    leave();
    recordUnrecorded();
    await next;
    await recording;
  }

  /**
   * Every poll interval, off the claim path: receipts still waiting are settled again (the delivery they were waiting
   * for may have been recorded since), then unconfirmed messages no receipt came for go out again.
   */
  async function keepHouse(): Promise<void> {
    while (running) {
      if (config.WECHAT_PUSH_TOKEN) {
        await settleWaitingReceipts(deps).catch((error: unknown) => logger.error({ err: error }, 'settling waiting receipts failed'));
      }
      await resendUnreceipted(deps).catch((error: unknown) => logger.error({ err: error }, 'resending unreceipted notifications failed'));
      if (running) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.NOTIFY_POLL_MS);
        stopHousekeeping = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
  let stopHousekeeping = () => {};

  /**
   * One idle loop claims everything due (up to a batch); waking them all would have every one of them run a claim
   * transaction for the same rows. With none idle, a new loop claims at once; at the cap, the next loop to finish
   * claims again (wakePending).
   */
  function wake(): void {
    if (helpWith()) return;
    wakePending = true;
    // The gate may have refused a loop only for now (one starts per window): ask it again then, rather than leave the
    // assignment to wait a whole round trip for a loop to finish.
    if (!growthRetry && live < config.NOTIFY_CONCURRENCY) {
      growthRetry = setTimeout(() => {
        growthRetry = undefined;
        if (running && wakePending) wake();
      }, LOOP_GATE_RETRY_MS);
      growthRetry.unref();
    }
  }

  /** An idle loop, else a new one, looks for work now; false when neither could. */
  function helpWith(): boolean {
    const [sleeper] = sleepers;
    if (sleeper) {
      sleeper();
      return true;
    }
    return addLoop();
  }

  return {
    workerId,
    start() {
      if (running) return;
      running = true;
      addLoop();
      housekeeping = keepHouse();
      logger.info({ workerId, maxConcurrency: config.NOTIFY_CONCURRENCY, batchSize: config.NOTIFY_BATCH_SIZE, channel: channel.name }, 'notifier started');
    },
    wake,
    loops: () => live,
    runOnce,
    async stop() {
      if (!running) return;
      running = false;
      clearTimeout(growthRetry);
      for (const done of [...sleepers]) done();
      stopHousekeeping();
      await Promise.all([...loops, housekeeping]);
      const released = await releaseHeld(deps, workerId);
      logger.info({ workerId, released }, 'notifier stopped');
    },
  };
}
