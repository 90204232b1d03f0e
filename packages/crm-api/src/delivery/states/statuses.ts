/**
 * The one status enum of a notification (an outbox row), for the SQL and the code alike. The rows of one message
 * (one delivery id: a single assignment, or a digest of several) share one status and move together.
 *
 * - `pending`: waiting to go out, from `next_attempt_at` on.
 * - `sending`: a worker holds it (leased) and is sending it; after the lease it is claimed again.
 * - `sent`: the channel answered that it went out; a delivery receipt may still confirm or refute it.
 * - `unconfirmed`: it may or may not have reached the salesperson (an ambiguous answer): never sent again under the
 *   same delivery id; a receipt settles it, or it is sent again as a new message when none comes.
 * - `skipped`: the salesperson cannot receive it now (not bound, no subscription left); an acceptance catches up.
 * - `withdrawn`: no longer theirs to hear about (the customers moved, or they left) and it never went out.
 * - `failed`: will fail again until an operator fixes what the reason's fix says.
 * - `dead`: retried until its attempt or age budget ran out.
 */
export const NOTIFICATION_STATUSES = ['pending', 'sending', 'sent', 'unconfirmed', 'skipped', 'withdrawn', 'failed', 'dead'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** How a new notification starts. */
export const QUEUED = 'pending' satisfies NotificationStatus;

/** Held by a worker that is sending it. */
export const IN_FLIGHT = 'sending' satisfies NotificationStatus;

/** A worker claims rows in these states: due ones, and ones whose worker's lease ran out. */
export const CLAIMABLE = { due: 'pending', abandoned: 'sending' } as const satisfies Record<string, NotificationStatus>;

/** Where a delivery receipt can still settle a message: the channel said it went out, or its fate is unknown. */
export const AWAITING_RECEIPT = ['sent', 'unconfirmed'] as const satisfies readonly NotificationStatus[];

/** Maybe delivered: only a receipt, or the lack of one, settles it. */
export const UNCONFIRMED = 'unconfirmed' satisfies NotificationStatus;

/** Could not be received then: an acceptance catches up on these. */
export const SKIPPED = 'skipped' satisfies NotificationStatus;

/** Finished without a message, or maybe with one: an operator may send them again. */
export const RETRYABLE_BY_OPERATOR = ['failed', 'dead', 'skipped', 'unconfirmed'] as const satisfies readonly NotificationStatus[];

/** Waiting or in flight: the backlog. */
export const BACKLOG = ['pending', 'sending'] as const satisfies readonly NotificationStatus[];

/** What one attempt came to, in the attempt history: the status it left, or `retry` / `requeued` when it went back to pending. */
export type AttemptOutcome = Exclude<NotificationStatus, 'pending' | 'sending'> | 'retry' | 'requeued';
