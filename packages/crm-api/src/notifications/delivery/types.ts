import type { AssignmentChannel } from '../../db/schema.js';

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

/** The event the cloud function receives for one delivery (docs/cloud-function.md, "Events"). */
export interface NotificationEvent {
  notificationId: string;
  assigneeId: string;
  customers: Array<{ id: string; name: string }>;
  customerCount: number;
  actor: { id: string; name: string };
  channel: AssignmentChannel;
  note?: string;
  assignedAt: string;
}

export type DeliveryOutcome =
  | { kind: 'sent'; reason: string; sentAt: string }
  | { kind: 'skipped'; reason: string; message?: string }
  | { kind: 'failed'; reason: string; errorCode?: string; message: string }
  | { kind: 'retry'; reason: string; errorCode?: string; message: string; notBeforeMs?: number };
