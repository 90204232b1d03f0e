import { REASONS, functionError, problemsOf, recallDeliveriesEventSchema, type FunctionError, type SendResult } from '@leadnotify/contracts';
import type { CloudDatabase, WxContext } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import { isStale, markRecalled, readRecord, type DeliveryRecord } from '../store/deliveries.js';
import { isTrustedServerCall } from './access.js';
import { mapWithLimit } from './map-with-limit.js';
import { answerRecalled, answerRecorded, inProgress, interruptSending, recalled } from './recorded-results.js';
import { createTimeBudget } from './time-budget.js';

/** Reads of a record a recall makes when other runs keep changing it between its read and its write. */
const MAX_READS = 3;

/**
 * The CRM no longer wants these deliveries sent (their customers went to someone else, or the salesperson left), but an
 * earlier attempt may have reached the function. For each id, without ever sending: what was recorded (sent:
 * ALREADY_SENT; unconfirmed: its result), IN_PROGRESS while a live run holds it, SEND_INTERRUPTED for a dead run's
 * send — or, when it was never sent, the record `recalled` for good and RECALLED. Like a batch send: the server only,
 * items started only while they can finish before the function is stopped (NOT_ATTEMPTED after).
 */
export async function handleRecallDeliveries(
  deps: FunctionDeps,
  context: WxContext,
  event: Record<string, unknown>,
  startedAtMs: number,
): Promise<{ ok: true; results: SendResult[] } | FunctionError> {
  if (!isTrustedServerCall(deps, context, event)) return functionError('FORBIDDEN', 'only the CRM server may recall deliveries (HTTP API call or signed event)');
  const parsed = recallDeliveriesEventSchema.safeParse(event);
  if (!parsed.success) return functionError('INVALID_EVENT', 'the recall event is invalid', problemsOf(parsed.error, 'event'));
  // Each recall is the same few database calls, never a send: the slowest one so far is the estimate.
  const budget = createTimeBudget(deps, startedAtMs, 'alike');
  const results = await mapWithLimit(parsed.data.deliveryIds, deps.config.sendConcurrency, async (deliveryId): Promise<SendResult> => {
    if (!budget.canFinish()) return { deliveryId, reason: 'NOT_ATTEMPTED', message: REASONS.NOT_ATTEMPTED.summary };
    const ended = budget.begin();
    try {
      return await recallDelivery(deps, deliveryId);
    } catch (error) {
      // The record is as the last write that happened left it; the next recall reads it again.
      deps.log.error('recall failed', { deliveryId, error: String(error) });
      return { deliveryId, reason: 'FUNCTION_STORE_ERROR', message: 'cloud database error while recalling; recall again' };
    } finally {
      ended();
    }
  });
  return { ok: true, results };
}

async function recallDelivery(deps: FunctionDeps, deliveryId: string): Promise<SendResult> {
  const db = deps.cloud.database();
  for (let read = 0; read < MAX_READS; read++) {
    const answer = await recallFrom(deps, db, deliveryId, await readRecord(db, deliveryId));
    if (answer) return answer;
  }
  // Another run changed the record each time: one of them is alive.
  return inProgress(deliveryId);
}

/** The answer the record gives, or undefined when another run changed it before this recall's write. */
async function recallFrom(deps: FunctionDeps, db: CloudDatabase, deliveryId: string, record: DeliveryRecord | undefined): Promise<SendResult | undefined> {
  if (record?.state === 'recalled') return answerRecalled(deps, db, deliveryId, record);
  if ((record?.state === 'sent' || record?.state === 'unconfirmed') && record.result) return answerRecorded(deps, db, deliveryId, record, record.result);
  const stale = record !== undefined && isStale(record, deps.now(), deps.config.staleRecordMs);
  if (record?.state === 'sending') return stale ? interruptSending(deps, db, deliveryId, record) : inProgress(deliveryId);
  if (record?.state === 'reserved' && !stale) return inProgress(deliveryId);
  // Never sent: no record, `open`, or a dead run's `reserved`. The record goes first, in a write only one of racing
  // runs makes; the hold it may carry goes back after, so a stop in between leaves a `recalled` record whose hold
  // the next send or recall of the id gives back.
  const nowMs = deps.now();
  const result = recalled(deliveryId);
  if (!(await markRecalled(db, deliveryId, record, result, nowMs))) return undefined;
  return answerRecalled(deps, db, deliveryId, { ...record, state: 'recalled', stateAt: nowMs, result });
}
