import { randomUUID } from 'node:crypto';
import { resultKindOf, type SendResult } from '@leadnotify/contracts';
import type { CloudDatabase } from '../cloud-sdk.js';
import { COLLECTIONS } from './collections.js';

/**
 * One record per deliveryId in `notification_deliveries`, written before each step so that a run WeChat
 * stops at any instant (its limit is a hard kill: nothing after it is written) leaves a state the next
 * attempt can read:
 * - `reserved`: this attempt owns the delivery; a subscription unit may be held (the hold for this delivery in one
 *   of the lead templates' quota documents says which), the send has not started.
 * - `sending`: `subscribeMessage.send` was called at `sendStartedAt` with `templateId`; the message may be out.
 * - `sent` / `unconfirmed`: final; the recorded result is returned again. The CRM asks for a new message under a
 *   new delivery id, never under this one: whatever repeats an event (a retry after a timeout, a hard kill
 *   mid-send) cannot send twice.
 * - `open`: certainly not sent (skipped or failed); the next attempt starts over.
 * - `recalled`: final; the CRM withdrew it before it was sent (recallDeliveries) and it is never sent. The openid and
 *   template of the claim it replaced stay on the record, so a hold a stopped recall left behind can be given back.
 * A `reserved` or `sending` record older than the function's limit (+ margin) belongs to a dead run. The run that
 * claimed it (or took it over) writes its `runId`; its later writes count only while the record still names it, so a
 * run that was only slow (its real limit longer than FUNCTION_TIMEOUT_MS, a stalled call) and was taken over never
 * sends or records after the run that took it over.
 */
export type DeliveryState = 'reserved' | 'sending' | 'sent' | 'unconfirmed' | 'open' | 'recalled';

export interface DeliveryRecord {
  state: DeliveryState;
  stateAt: number;
  /** The run that owns a `reserved` or `sending` record; null once another run took it over to end it. */
  runId?: string | null;
  openid?: string;
  templateId?: string;
  sendStartedAt?: number;
  result?: SendResult;
  /** WeChat refused this delivery's text once (47003): send it in conservative form from the start. */
  conservativeText?: boolean;
}

export type Claim =
  | { kind: 'claimed'; runId: string; conservativeText: boolean }
  | { kind: 'recorded'; record: DeliveryRecord; result: SendResult }
  /** The CRM recalled it: answered as recorded, never sent; a hold left behind goes back. */
  | { kind: 'recalled'; record: DeliveryRecord }
  | { kind: 'in-progress' }
  /** A dead run left it: `reserved` (its hold, if any, is reused) or `sending` (the send may be out). */
  | { kind: 'stale'; record: DeliveryRecord };

function collectionOf(db: CloudDatabase) {
  return db.collection(COLLECTIONS.deliveries);
}

export async function readRecord(db: CloudDatabase, deliveryId: string): Promise<DeliveryRecord | undefined> {
  const { data } = await collectionOf(db).where({ _id: deliveryId }).limit(1).get();
  return data[0] as DeliveryRecord | undefined;
}

/** Whether a `reserved` or `sending` record belongs to a run that is certainly dead by now. */
export function isStale(record: DeliveryRecord, nowMs: number, staleMs: number): boolean {
  return nowMs - record.stateAt > staleMs;
}

/**
 * Takes the delivery for this run, writing `reserved` with the openid the unit will be held for. A live
 * run's record answers `in-progress`; a dead run's is handed back as `stale` for the caller to resolve.
 */
export async function claimDelivery(
  db: CloudDatabase,
  claim: { deliveryId: string; openid: string | undefined },
  nowMs: number,
  staleMs: number,
): Promise<Claim> {
  const runId = newRunId();
  const fields = { state: 'reserved', stateAt: nowMs, openid: claim.openid ?? null, runId };
  try {
    await collectionOf(db).add({ data: { _id: claim.deliveryId, ...fields, attempts: 1 } });
    return { kind: 'claimed', runId, conservativeText: false };
  } catch (error) {
    const existing = await readRecord(db, claim.deliveryId);
    if (!existing) throw error;
    if ((existing.state === 'sent' || existing.state === 'unconfirmed') && existing.result) return { kind: 'recorded', record: existing, result: existing.result };
    if (existing.state === 'recalled') return { kind: 'recalled', record: existing };
    if (existing.state === 'reserved' || existing.state === 'sending') {
      return isStale(existing, nowMs, staleMs) ? { kind: 'stale', record: existing } : { kind: 'in-progress' };
    }
    // open: start over. The condition makes one of two racing runs win.
    const { stats } = await collectionOf(db)
      .where({ _id: claim.deliveryId, state: existing.state, stateAt: existing.stateAt })
      .update({ data: { ...fields, attempts: db.command.inc(1) } });
    return stats.updated === 1 ? { kind: 'claimed', runId, conservativeText: existing.conservativeText === true } : { kind: 'in-progress' };
  }
}

/**
 * Records the delivery as recalled for good, in one write that only one of racing runs can make: the record's first
 * insert when there is none, otherwise an update conditional on the record being as it was read (`open`, or a dead
 * run's `reserved`). False when another run (a send, another recall) changed it first.
 */
export async function markRecalled(db: CloudDatabase, deliveryId: string, record: DeliveryRecord | undefined, result: SendResult, nowMs: number): Promise<boolean> {
  const fields = { state: 'recalled', stateAt: nowMs, result, runId: null };
  if (record === undefined) {
    try {
      await collectionOf(db).add({ data: { _id: deliveryId, ...fields, attempts: 0 } });
      return true;
    } catch (error) {
      if (!(await readRecord(db, deliveryId))) throw error;
      return false;
    }
  }
  const { stats } = await collectionOf(db).where({ _id: deliveryId, state: record.state, stateAt: record.stateAt }).update({ data: fields });
  return stats.updated === 1;
}

/** A run's identity on the records it owns. */
export function newRunId(): string {
  return randomUUID();
}

/** A run's write found the record owned by another run (it took this one over as dead): this run must stop. */
export class RunTakenOver extends Error {
  constructor(readonly deliveryId: string) {
    super(`delivery ${deliveryId} was taken over by another run`);
    this.name = 'RunTakenOver';
  }
}

/**
 * Takes over a dead run's record, if no other run took it first: `next.runId` is the run that carries on with it, or
 * null when the record is ended here.
 */
export async function takeOverStale(
  db: CloudDatabase,
  deliveryId: string,
  record: DeliveryRecord,
  next: Partial<DeliveryRecord> & { state: DeliveryState; stateAt: number; runId: string | null },
): Promise<boolean> {
  const { stats } = await collectionOf(db)
    .where({ _id: deliveryId, state: record.state, stateAt: record.stateAt })
    .update({ data: { ...next, attempts: db.command.inc(1) } });
  return stats.updated === 1;
}

/** A write of the run that owns the record; RunTakenOver when another run took it over meanwhile. */
async function asOwner(db: CloudDatabase, deliveryId: string, runId: string, data: Record<string, unknown>): Promise<void> {
  const { stats } = await collectionOf(db).where({ _id: deliveryId, runId }).update({ data });
  if (stats.updated !== 1) throw new RunTakenOver(deliveryId);
}

/** Written just before `subscribeMessage.send` with the template it sends with: from here on the message may be out. */
export async function markSending(db: CloudDatabase, deliveryId: string, runId: string, nowMs: number, templateId: string): Promise<void> {
  await asOwner(db, deliveryId, runId, { state: 'sending', stateAt: nowMs, sendStartedAt: nowMs, templateId });
}

/** Nothing went out (43101, 40037) and the run goes on with another template. */
export async function markReserved(db: CloudDatabase, deliveryId: string, runId: string, nowMs: number): Promise<void> {
  await asOwner(db, deliveryId, runId, { state: 'reserved', stateAt: nowMs });
}

/** Records the outcome: sent and unconfirmed are final; anything else may be tried again. */
export async function finishDelivery(db: CloudDatabase, result: SendResult, runId: string, nowMs: number, extra: { conservativeText?: boolean } = {}): Promise<void> {
  const kind = resultKindOf(result.reason);
  const state: DeliveryState = kind === 'sent' ? 'sent' : kind === 'unconfirmed' ? 'unconfirmed' : 'open';
  await asOwner(db, result.deliveryId, runId, { state, stateAt: nowMs, result, ...extra });
}
