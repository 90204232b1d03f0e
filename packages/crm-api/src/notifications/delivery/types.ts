import type { AssignmentChannel, ReasonCode } from '@leadnotify/contracts';

/** One outbox row a worker holds a lease on. */
export interface ClaimedRow {
  id: string;
  assigneeId: string;
  actorId: string;
  channel: AssignmentChannel;
  note: string | null;
  attempts: number;
  createdAt: string;
}

/** What goes out as one subscribe message: one row, or several merged by the digest window. */
export interface Delivery {
  /** The cloud function's idempotency key: the first row's id. */
  deliveryId: string;
  assigneeId: string;
  rows: ClaimedRow[];
}

export type DeliveryOutcome =
  | { kind: 'sent'; reason: ReasonCode; sentAt: string }
  | { kind: 'skipped'; reason: ReasonCode; message?: string }
  | { kind: 'failed'; reason: ReasonCode; errorCode?: string; message: string }
  | { kind: 'retry'; reason: ReasonCode; errorCode?: string; message: string; notBeforeMs?: number };
