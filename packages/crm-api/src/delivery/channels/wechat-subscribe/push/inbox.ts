import { DAY_MS } from '@leadnotify/contracts';
import { deleteAppliedPushesBefore, duePushIds, markPushApplied, markPushFailed, takePush } from '../../../../db/push-store.js';
import { retryDelayMs } from '../../../states/transition.js';
import { applyPush, type PushDeps } from './apply-push.js';

export interface PushInbox {
  /** Applies a push just stored, now, without the caller waiting. */
  kick(id: string): void;
  /**
   * Applies what is due (new pushes, and failed ones whose wait is over) every poll interval, until stopped; once an
   * hour forgets pushes applied more than APPLIED_PUSHES_KEPT_DAYS ago.
   */
  start(): void;
  stop(): Promise<void>;
  /** Resolves when no push is being applied right now: for tests and scripts. */
  idle(): Promise<void>;
}

/** How long one process holds a push it applies; after that another may take it (the first died). */
const LEASE_MS = 60_000;
const BACKOFF = { backoffBaseMs: 1_000, backoffMaxMs: 300_000 };
const BATCH = 20;
/** Applied pushes are kept this long (for a look into what WeChat pushed), then forgotten, once an hour. */
export const APPLIED_PUSHES_KEPT_DAYS = 30;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Applies WeChat's stored pushes (the inbox), each at most one process at a time, again with backoff when applying
 * failed: a push WeChat was told `success` for is never lost to a failure behind it.
 */
export function createPushInbox(deps: PushDeps): PushInbox {
  const applying = new Set<Promise<void>>();
  let running = false;
  let wakeUp = () => {};
  let loop: Promise<void> = Promise.resolve();

  async function applyOne(id: string): Promise<void> {
    const nowMs = deps.clock.now();
    const push = await takePush(deps.db.kysely, id, new Date(nowMs).toISOString(), new Date(nowMs + LEASE_MS).toISOString());
    if (!push?.body) return;
    try {
      await applyPush(deps, { id: push.id, body: push.body, receivedAt: push.received_at });
      await markPushApplied(deps.db.kysely, push.id, new Date(deps.clock.now()).toISOString());
    } catch (error) {
      const waitMs = retryDelayMs(push.attempts + 1, BACKOFF, deps.random ?? Math.random);
      const message = error instanceof Error ? error.message : String(error);
      deps.logger.warn({ push: push.id, event: push.event, attempts: push.attempts + 1, err: message }, 'applying a WeChat push failed; trying again later');
      await markPushFailed(deps.db.kysely, push.id, { error: message, nextAttemptAt: new Date(deps.clock.now() + waitMs).toISOString() });
    }
  }

  function track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => deps.logger.error({ err: error }, 'the push inbox failed')).finally(() => applying.delete(tracked));
    applying.add(tracked);
  }

  let nextPruneAtMs = 0;
  async function applyDue(): Promise<void> {
    for (const id of await duePushIds(deps.db.kysely, new Date(deps.clock.now()).toISOString(), BATCH)) await applyOne(id);
    const nowMs = deps.clock.now();
    if (nowMs < nextPruneAtMs) return;
    nextPruneAtMs = nowMs + PRUNE_EVERY_MS;
    const forgotten = await deleteAppliedPushesBefore(deps.db.kysely, new Date(nowMs - APPLIED_PUSHES_KEPT_DAYS * DAY_MS).toISOString());
    if (forgotten > 0) deps.logger.info({ forgotten, keptDays: APPLIED_PUSHES_KEPT_DAYS }, 'forgot WeChat pushes applied long ago');
  }

  return {
    kick(id) {
      track(applyOne(id));
    },
    start() {
      if (running) return;
      running = true;
      loop = (async () => {
        while (running) {
          const round = applyDue();
          track(round);
          await round.catch(() => {});
          if (running) await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, deps.config.NOTIFY_POLL_MS);
            wakeUp = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      })();
    },
    async stop() {
      running = false;
      wakeUp();
      await loop;
      await Promise.all(applying);
    },
    async idle() {
      while (applying.size > 0) await Promise.all(applying);
    },
  };
}
