import { REASONS, resultKindOf, type SendResult } from '@leadnotify/contracts';
import type { CloudDatabase } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import { takeOverStale, type DeliveryRecord } from '../store/deliveries.js';
import { templateIdsOf } from '../config.js';
import { refundHolds, settleSend } from '../store/subscriptions.js';

/** What a send and a recall of the same delivery both answer from its record, written once. */

/**
 * A final record's result as a later attempt answers it: sent is ALREADY_SENT. Results recorded before results named
 * their template take it from the record.
 */
export function recordedAnswer(result: SendResult, recordTemplateId: string | undefined): SendResult {
  const named = result.templateId === undefined && recordTemplateId !== undefined ? { ...result, templateId: recordTemplateId } : result;
  return resultKindOf(named.reason) === 'sent' ? { ...named, reason: 'ALREADY_SENT' } : named;
}

export function inProgress(deliveryId: string): SendResult {
  return { deliveryId, reason: 'IN_PROGRESS', message: REASONS.IN_PROGRESS.summary };
}

export function recalled(deliveryId: string): SendResult {
  return { deliveryId, reason: 'RECALLED', message: REASONS.RECALLED.summary };
}

function heldForOf(record: DeliveryRecord): string | undefined {
  return typeof record.openid === 'string' ? record.openid : undefined;
}

/**
 * A dead run's `sending` record: the message may be out, so the delivery becomes unconfirmed (SEND_INTERRUPTED) and
 * its unit stays used, only the hold goes. Undefined when another run took the record over first.
 */
export async function interruptSending(deps: FunctionDeps, db: CloudDatabase, deliveryId: string, record: DeliveryRecord): Promise<SendResult | undefined> {
  const heldFor = heldForOf(record);
  // A `sending` record names the template it sends with; records of versions before that had the only one.
  const templateId = record.templateId ?? (templateIdsOf(deps.config)[0] as string);
  const result: SendResult = {
    deliveryId,
    reason: 'SEND_INTERRUPTED',
    message: REASONS.SEND_INTERRUPTED.summary,
    ...(heldFor ? { openid: heldFor } : {}),
    templateId,
  };
  if (!(await takeOverStale(db, deliveryId, record, { state: 'unconfirmed', stateAt: deps.now(), result, runId: null }))) return undefined;
  if (heldFor) await settleSend(db, heldFor, templateId, deliveryId, new Date(deps.now()).toISOString());
  return result;
}

/**
 * A final record (sent or unconfirmed) as answered again. A run stopped after recording the outcome may have left its
 * hold: the unit stays used, the hold goes.
 */
export async function answerRecorded(deps: FunctionDeps, db: CloudDatabase, deliveryId: string, record: DeliveryRecord, result: SendResult): Promise<SendResult> {
  const heldFor = heldForOf(record);
  if (heldFor) await settleSend(db, heldFor, record.templateId ?? (templateIdsOf(deps.config)[0] as string), deliveryId, new Date(deps.now()).toISOString());
  return recordedAnswer(result, record.templateId);
}

/**
 * A recalled record as answered again. Nothing was sent under it, so a hold its recall (stopped between its two
 * writes) left behind goes back with its unit — at most once, the hold going in the same update — in whichever lead
 * template it is.
 */
export async function answerRecalled(deps: FunctionDeps, db: CloudDatabase, deliveryId: string, record: DeliveryRecord): Promise<SendResult> {
  const heldFor = heldForOf(record);
  if (heldFor) await refundHolds(db, heldFor, templateIdsOf(deps.config), deliveryId, new Date(deps.now()).toISOString());
  return record.result ?? recalled(deliveryId);
}
