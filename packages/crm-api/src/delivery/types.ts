import type { ReasonCode } from '@leadnotify/contracts';

export type { ClaimedRow, Delivery } from '../db/outbox/claim-deliveries.js';

/** What one attempt of a delivery came to, as the reason table decided it. */
export type DeliveryOutcome =
  | { kind: 'sent'; reason: ReasonCode; sentAt: string; openid?: string }
  | { kind: 'skipped'; reason: ReasonCode; message?: string }
  /** Not sent, and never to be: no customer it names is the assignee's any more. */
  | { kind: 'withdrawn'; reason: ReasonCode; message: string }
  | { kind: 'failed'; reason: ReasonCode; errorCode?: string; message: string }
  /** The message may have reached the salesperson: never sent again without an operator. */
  | { kind: 'unconfirmed'; reason: ReasonCode; errorCode?: string; message: string; openid?: string }
  | { kind: 'retry'; reason: ReasonCode; errorCode?: string; message: string; notBeforeMs?: number }
  /** Not tried at all: sent again after `waitMs` without using up an attempt. */
  | { kind: 'requeue'; reason: ReasonCode; message: string; waitMs: number };
