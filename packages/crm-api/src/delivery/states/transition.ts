import { REASONS, leavesFateUnknown, resultKindOf, startOfNextBeijingDay, type Reason, type ReasonCode, type ResultKind } from '@leadnotify/contracts';
import { RETRYABLE_BY_OPERATOR, type AttemptOutcome, type NotificationStatus } from './statuses.js';

/**
 * One message's life, decided in one place: every path that changes a notification — a worker claiming it, the
 * channel's answer, the customers moving away, a delivery receipt, no receipt in time, an operator's retry, the
 * salesperson's acceptance, a worker stopping — asks `transition` what follows, and the outbox writes only that.
 * It is the only place that mints a delivery id (a message sent again goes out under a new one: the channel sends an
 * id at most once) and that decides a requeue.
 */

/** A message as the outbox holds it: the rows that go out together under one delivery id. */
export interface Message {
  deliveryId: string;
  status: NotificationStatus;
  /** A digest's rows differ in age and attempts. */
  rows: ReadonlyArray<{ id: string; attempts: number; createdAt: string }>;
  /**
   * The channel may hold this delivery id as sent, or be sending it: an attempt's answer was lost, or the worker died
   * with it in flight. Such a message is never withdrawn without asking the channel.
   */
  fateUnknown: boolean;
  /** A delivery receipt confirmed it. */
  confirmed: boolean;
  /** It was sent again once because no receipt came. */
  resentForNoReceipt: boolean;
  /** The reason its last attempt ended with. */
  reason: string | null;
}

/** What the channel said about one message, or what a failed call to it comes to. */
export interface ChannelOutcome {
  reason: ReasonCode;
  /**
   * The channel answered for this message. false: the call failed, or the channel refused the whole call, so this
   * says nothing of what it did with the message — unless the reason leaves its fate unknown.
   */
  answered: boolean;
  /** The call failed in a way no retry mends (wechat-client's judgement of this failure, e.g. HTTP 404). */
  permanent?: boolean;
  message?: string;
  errorCode?: string;
  sentAt?: string;
  openid?: string;
  templateId?: string;
  msgId?: string;
  /** The channel that answered (a chain of channels tries the next when one cannot reach the salesperson). */
  channel?: string;
  /** The skip of an earlier channel in the chain that this answer replaces (NOT_BOUND, NO_SUBSCRIPTION, …). */
  passedOver?: ReasonCode;
}

/** Why a message's customers are no longer for its assignee, found at the moment of sending. */
export type NotTheirsReason = Extract<ReasonCode, 'NO_LONGER_ASSIGNED' | 'ASSIGNEE_INACTIVE'>;

export type MessageEvent =
  /**
   * A worker takes it to send (it was due, or its previous worker's lease ran out). `finishedUnderItsId`: rows of
   * its delivery id that finished without these (the part of a message withdrawn at the moment of sending, or data
   * from before messages moved together).
   */
  | { type: 'claim'; finishedUnderItsId?: ReadonlyArray<{ status: NotificationStatus; reason: string | null }> }
  /**
   * The channel's answer to a send, or to a recall made for `recalledFor`. `stillTheirs`: these rows of a recalled
   * message are still their assignee's to hear about — if the channel never sent it, they go out as a new message.
   */
  | { type: 'answer'; outcome: ChannelOutcome; recalledFor?: NotTheirsReason; stillTheirs?: boolean }
  /** At the moment of sending, none of these rows' customers is the assignee's to hear about. */
  | { type: 'not-theirs'; reason: NotTheirsReason }
  | { type: 'receipt'; delivered: boolean; detail: string; receivedAt: string }
  | { type: 'no-receipt-in-time' }
  | { type: 'operator-retry' }
  /** The salesperson accepted a subscription: what was skipped for lack of one goes out. */
  | { type: 'acceptance' }
  /** The worker holding it stops before sending it. */
  | { type: 'release' };

export interface Change {
  status: NotificationStatus;
  /** The same, or a new one for a new message. */
  deliveryId: string;
  /** Each row's attempt count: kept, counted up by one, or reset for a fresh budget. */
  attempts: 'keep' | 'count' | 'reset';
  /** When a pending message is due. */
  nextAttemptAt?: string;
  /** Fields left undefined keep their value. */
  reason?: ReasonCode;
  lastError?: string | null;
  sentAt?: string | null;
  recipient?: { openid?: string | undefined; templateId?: string | undefined; msgId?: string | undefined };
  /** The channel whose answer this is, and the earlier channel's skip it replaced (null: none); set together. */
  channel?: string;
  passedOver?: ReasonCode | null;
  confirmedAt?: string | null;
  fateUnknown: boolean;
  resentForNoReceipt: boolean;
  /** When it was first tried under its delivery id: now (a claim), kept if already set, or forgotten (a new id). */
  tried?: 'now' | 'now-unless-set' | 'forgotten';
  /** The attempt this change ends, for the history. */
  attempt?: { outcome: AttemptOutcome; reason: ReasonCode; errorCode: string | null; errorMessage: string | null };
}

/** What `transition` decides: a change to write, the channel to be asked first, or nothing (the event does not apply). */
export type Decision = { change: Change } | { recall: NotTheirsReason } | undefined;

export interface RetryPolicy {
  maxAttempts: number;
  maxAgeMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface TransitionContext {
  nowMs: number;
  policy: RetryPolicy;
  /** In [0, 1): the jitter of a backoff. */
  random: () => number;
  newDeliveryId: () => string;
}

/** The message as far as these of its rows go: a part of a digest is decided with the state of the whole. */
export function partOf(message: Message, rowIds: ReadonlySet<string>): Message {
  return { ...message, rows: message.rows.filter((row) => rowIds.has(row.id)) };
}

export function transition(message: Message, event: MessageEvent, context: TransitionContext): Decision {
  const now = new Date(context.nowMs).toISOString();
  const keep = { deliveryId: message.deliveryId, fateUnknown: message.fateUnknown, resentForNoReceipt: message.resentForNoReceipt };
  /** The same message again, as a new one: nothing the channel recorded under the old id applies to it. */
  const asNewMessage = () => ({ deliveryId: context.newDeliveryId(), fateUnknown: false, confirmedAt: null, tried: 'forgotten' as const });

  switch (event.type) {
    case 'claim':
      if (message.status !== 'pending' && message.status !== 'sending') return undefined;
      // What the channel recorded under the id is about rows that went out without these: they need an id of their own.
      // (A withdrawn part never went out: the rest keeps the id, and with it whatever the channel holds under it.)
      if (event.finishedUnderItsId?.some(mayHaveGoneOut)) return { change: { ...keep, ...asNewMessage(), status: 'sending', attempts: 'keep', tried: 'now' } };
      // A message claimed from a dead worker was maybe on its way to the channel.
      return { change: { ...keep, status: 'sending', attempts: 'keep', fateUnknown: message.fateUnknown || message.status === 'sending', tried: 'now-unless-set' } };

    case 'release':
      if (message.status !== 'sending') return undefined;
      return { change: { ...keep, status: 'pending', attempts: 'keep', nextAttemptAt: now } };

    case 'not-theirs':
      if (message.status !== 'sending') return undefined;
      if (message.fateUnknown) return { recall: event.reason };
      return { change: { ...keep, ...finished('withdrawn', event.reason, now), attempts: 'count' } };

    case 'answer':
      if (message.status !== 'sending') return undefined;
      if (event.stillTheirs && kindOf(event.outcome) === 'withdrawn') {
        // The channel never sent it and never will under this id: what is still theirs goes out as a new message.
        return { change: { ...keep, ...asNewMessage(), status: 'pending', attempts: 'keep', nextAttemptAt: now } };
      }
      return { change: answered(message, event.outcome, event.recalledFor, context) };

    case 'receipt': {
      if (message.confirmed || (message.status !== 'sent' && message.status !== 'unconfirmed')) return undefined;
      if (event.delivered) {
        return { change: { ...keep, status: 'sent', attempts: 'keep', reason: 'SENT', lastError: null, sentAt: event.receivedAt, confirmedAt: now, fateUnknown: false } };
      }
      const lastError = `DELIVERY_FAILED: ${event.detail}`;
      // Certainly did not arrive: sending it again cannot duplicate it.
      if (message.status === 'unconfirmed') return { change: { ...keep, ...asNewMessage(), status: 'pending', attempts: 'keep', nextAttemptAt: now, reason: 'DELIVERY_FAILED', lastError } };
      return { change: { ...keep, status: 'failed', attempts: 'keep', reason: 'DELIVERY_FAILED', lastError, confirmedAt: now, fateUnknown: false } };
    }

    case 'no-receipt-in-time':
      if (message.status !== 'unconfirmed' || message.confirmed || message.resentForNoReceipt) return undefined;
      return {
        change: { ...keep, ...asNewMessage(), status: 'pending', attempts: 'keep', nextAttemptAt: now, reason: 'NO_RECEIPT', lastError: 'NO_RECEIPT: no delivery receipt from WeChat', resentForNoReceipt: true },
      };

    case 'operator-retry': {
      if (!(RETRYABLE_BY_OPERATOR as readonly string[]).includes(message.status)) return undefined;
      // What the channel recorded under the id may say it was sent: a message sent again needs a new id.
      return { change: { ...keep, ...(mayHaveGoneOut(message) ? asNewMessage() : {}), status: 'pending', attempts: 'reset', nextAttemptAt: now, resentForNoReceipt: false } };
    }

    case 'acceptance':
      if (message.status !== 'skipped') return undefined;
      // A new id: the row's own may be one the channel recorded as sent before it was sent again and then skipped.
      return { change: { ...keep, ...asNewMessage(), status: 'pending', attempts: 'reset', nextAttemptAt: now, resentForNoReceipt: false } };
  }
}

/** The answer to an attempt: what the reason table says follows from its reason. */
function answered(message: Message, outcome: ChannelOutcome, recalledFor: NotTheirsReason | undefined, context: TransitionContext): Change {
  const now = new Date(context.nowMs).toISOString();
  const kind = kindOf(outcome);
  const fateUnknown = leavesFateUnknown(outcome.reason) ? true : outcome.answered && kind !== 'requeue' ? false : message.fateUnknown;
  const base = {
    deliveryId: message.deliveryId,
    fateUnknown,
    resentForNoReceipt: message.resentForNoReceipt,
    ...(outcome.channel ? { channel: outcome.channel, passedOver: outcome.passedOver ?? null } : {}),
  };
  const errorCode = outcome.errorCode ?? null;
  const message_ = outcome.message ?? REASONS[outcome.reason].summary;
  const attempt = (attemptOutcome: AttemptOutcome, reason: ReasonCode = outcome.reason) => ({
    outcome: attemptOutcome,
    reason,
    errorCode,
    errorMessage: attemptOutcome === 'sent' ? null : message_,
  });
  const recipient = { openid: outcome.openid, templateId: outcome.templateId, msgId: outcome.msgId };

  switch (kind) {
    case 'sent':
      return { ...base, status: 'sent', attempts: 'count', reason: outcome.reason, lastError: null, sentAt: outcome.sentAt ?? now, recipient, confirmedAt: null, attempt: attempt('sent') };
    case 'unconfirmed':
      return { ...base, status: 'unconfirmed', attempts: 'count', reason: outcome.reason, lastError: describe(outcome.reason, message_), recipient, confirmedAt: null, attempt: attempt('unconfirmed') };
    case 'skipped':
      return { ...base, status: 'skipped', attempts: 'count', reason: outcome.reason, lastError: describe(outcome.reason, message_), attempt: attempt('skipped') };
    case 'withdrawn': {
      const reason = recalledFor ?? outcome.reason;
      return { ...base, ...finished('withdrawn', reason, now), attempts: 'count', attempt: attempt('withdrawn', reason) };
    }
    case 'permanent':
      return { ...base, status: 'failed', attempts: 'count', reason: outcome.reason, lastError: describe(outcome.reason, message_), attempt: attempt('failed') };
    case 'requeue': {
      // Not tried: no attempt is used.
      const known: Reason = REASONS[outcome.reason];
      const waitMs = known.waitMs ?? 0;
      return { ...base, status: 'pending', attempts: 'keep', nextAttemptAt: new Date(context.nowMs + waitMs).toISOString(), reason: outcome.reason, lastError: describe(outcome.reason, message_), attempt: attempt('requeued') };
    }
    case 'retry':
    case 'retry-next-day': {
      const lastError = describe(outcome.reason, message_);
      // One message, one state: it dies only when none of its rows has budget left (a digest's newest row is younger
      // than its first), so no row is left to go out alone later under an id the rest used.
      const alive = message.rows.filter((row) => row.attempts + 1 < context.policy.maxAttempts && context.nowMs - Date.parse(row.createdAt) < context.policy.maxAgeMs);
      if (alive.length === 0) return { ...base, status: 'dead', attempts: 'count', reason: outcome.reason, lastError, attempt: attempt('dead') };
      const attemptNumber = Math.min(...alive.map((row) => row.attempts + 1));
      const backoffAt = context.nowMs + retryDelayMs(attemptNumber, context.policy, context.random);
      const notBefore = kind === 'retry-next-day' ? startOfNextBeijingDay(context.nowMs) : 0;
      return { ...base, status: 'pending', attempts: 'count', nextAttemptAt: new Date(Math.max(backoffAt, notBefore)).toISOString(), reason: outcome.reason, lastError, attempt: attempt('retry') };
    }
  }
}

/** Whether, finished so, a message may have gone out under its delivery id (the channel's record may say so). */
function mayHaveGoneOut(finished: { status: NotificationStatus; reason: string | null }): boolean {
  return finished.status === 'sent' || finished.status === 'unconfirmed' || (finished.status === 'failed' && finished.reason === 'DELIVERY_FAILED');
}

/**
 * What an outcome means. The channel's own answer means what its reason says (a send that may have gone out is
 * unconfirmed); a failed call is worth a retry, a requeue or nothing as the reason's disposition says — whether the
 * channel's send may have gone out in it is its fate, not its kind.
 */
function kindOf(outcome: ChannelOutcome): ResultKind {
  if (outcome.permanent) return 'permanent';
  return outcome.answered ? resultKindOf(outcome.reason) : REASONS[outcome.reason].disposition;
}

function finished(status: 'withdrawn', reason: ReasonCode, now: string) {
  return { status, reason, lastError: describe(reason, REASONS[reason].summary), nextAttemptAt: now, attempt: { outcome: status, reason, errorCode: null, errorMessage: REASONS[reason].summary } } as const;
}

function describe(reason: ReasonCode, message: string): string {
  return `${reason}: ${message}`;
}

/**
 * Exponential backoff with jitter: attempt 1 waits about the base, each next one twice as long, capped; the wait is
 * drawn from [half, full] so workers that failed together do not retry together.
 */
export function retryDelayMs(attempt: number, policy: Pick<RetryPolicy, 'backoffBaseMs' | 'backoffMaxMs'>, random: () => number): number {
  const full = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}
