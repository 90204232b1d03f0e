import { REASONS } from '@leadnotify/contracts';
import type { DeliveryDeps } from './deps.js';
import { applyChanges, type ChangeToApply } from './outbox/apply-change.js';
import type { Change } from './states/transition.js';

/** A message's change as written, for the steps that follow a recorded batch. */
export interface Recorded {
  deliveryId: string;
  assigneeId: string;
  change: Change;
  /** The rows written (a row someone else changed meanwhile is not). */
  rowIds: string[];
  openid?: string | undefined;
  /** The customers a sent message named. */
  customerIds: string[];
}

/** A change to write, with what the steps after it need to know. */
export interface ChangeToRecord {
  item: ChangeToApply;
  assigneeId: string;
  openid?: string | undefined;
  customerIds: string[];
}

/**
 * Writes changes the state machine decided for a batch, in one transaction, each only to the rows still in the state
 * it was decided on; then counts and logs what was written.
 */
export async function writeChanges(deps: DeliveryDeps, changes: readonly ChangeToRecord[], attemptStartedAtMs: number): Promise<Recorded[]> {
  if (changes.length === 0) return [];
  const now = new Date(deps.clock.now()).toISOString();
  const applied = await deps.db.kysely
    .transaction()
    .execute((trx) => applyChanges(trx, changes.map(({ item }) => item), { now, attemptStartedAt: new Date(attemptStartedAtMs).toISOString() }));
  const recorded = applied.map(({ item, written }, index): Recorded => {
    const { assigneeId, openid, customerIds } = changes[index]!;
    return { deliveryId: item.deliveryId, assigneeId, change: item.change, rowIds: written, openid, customerIds };
  });
  for (const entry of recorded) report(deps, entry);
  return recorded;
}

/** Metrics for every row written; a log line per message, loud where someone has to act. */
function report(deps: DeliveryDeps, entry: Recorded): void {
  const { change } = entry;
  const reason = change.reason ?? 'UNKNOWN';
  for (let index = 0; index < entry.rowIds.length; index++) deps.metrics?.countNotification(change.status, reason, change.channel);
  if (entry.rowIds.length === 0) return;
  const fields = { deliveryId: entry.deliveryId, notifications: entry.rowIds.length, status: change.status, reason };
  if (change.status === 'failed') {
    // Stays failed until someone acts: say what to do where operators look.
    deps.logger.error({ ...fields, message: change.lastError, fix: change.reason ? REASONS[change.reason].fix : undefined }, 'notification failed for good');
  } else if (change.status === 'unconfirmed') {
    deps.logger.warn({ ...fields, message: change.lastError, fix: change.reason ? REASONS[change.reason].fix : undefined }, 'notification may or may not have reached the salesperson');
  } else if (change.status === 'dead') {
    deps.logger.error({ ...fields, message: change.lastError }, 'notification gave up after its attempt budget');
  } else {
    deps.logger.info(fields, 'notification delivery finished');
  }
}
