import { describe, expect, it } from 'vitest';
import { NOTIFICATION_STATUSES, type NotificationStatus } from '../src/delivery/states/statuses.js';
import { transition, type ChannelOutcome, type Message, type MessageEvent, type TransitionContext } from '../src/delivery/states/transition.js';

/**
 * The state machine, state × event → change, one rule a row. Pure: no database, no clock but the one given.
 */
const NOW = Date.parse('2026-12-07T02:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function context(): TransitionContext {
  let next = 0;
  return {
    nowMs: NOW,
    policy: { maxAttempts: 3, maxAgeMs: 24 * 3_600_000, backoffBaseMs: 2_000, backoffMaxMs: 600_000 },
    random: () => 1,
    newDeliveryId: () => `new-${++next}`,
  };
}

function message(overrides: Partial<Message> = {}): Message {
  return {
    deliveryId: 'd1',
    status: 'sending',
    rows: [{ id: 'r1', attempts: 0, createdAt: iso(NOW - 60_000) }],
    fateUnknown: false,
    confirmed: false,
    resentForNoReceipt: false,
    reason: null,
    ...overrides,
  };
}

const answered = (reason: ChannelOutcome['reason'], extra: Partial<ChannelOutcome> = {}): MessageEvent => ({ type: 'answer', outcome: { reason, answered: true, ...extra } });
const callFailed = (reason: ChannelOutcome['reason'], extra: Partial<ChannelOutcome> = {}): MessageEvent => ({ type: 'answer', outcome: { reason, answered: false, ...extra } });

type Rule = [name: string, state: Partial<Message>, event: MessageEvent, expected: Record<string, unknown> | 'ignored' | { recall: string }];

const RULES: Rule[] = [
  // A worker claims.
  ['claim: a due message is leased; its first try under its id is remembered', { status: 'pending' }, { type: 'claim' }, { status: 'sending', deliveryId: 'd1', attempts: 'keep', fateUnknown: false, tried: 'now-unless-set' }],
  ['claim: one a dead worker left was maybe in flight: its fate is unknown', { status: 'sending' }, { type: 'claim' }, { status: 'sending', deliveryId: 'd1', fateUnknown: true }],
  ['claim: rows whose id went out without them (data from before messages moved together) go out under a new id', { status: 'pending' }, { type: 'claim', finishedUnderItsId: [{ status: 'sent', reason: 'SENT' }] }, { status: 'sending', deliveryId: 'new-1', fateUnknown: false }],
  ['claim: the rest of a message whose other part was withdrawn keeps the id, and what the channel holds under it', { status: 'pending', fateUnknown: true }, { type: 'claim', finishedUnderItsId: [{ status: 'withdrawn', reason: 'NO_LONGER_ASSIGNED' }] }, { status: 'sending', deliveryId: 'd1', fateUnknown: true }],
  ['claim: nothing finished is claimed', { status: 'sent' }, { type: 'claim' }, 'ignored'],

  // The channel answers.
  ['answer SENT: sent, an attempt counted', {}, answered('SENT', { openid: 'o1', templateId: 't1', msgId: 'm1', sentAt: iso(NOW) }), { status: 'sent', attempts: 'count', reason: 'SENT', recipient: { openid: 'o1', templateId: 't1', msgId: 'm1' }, fateUnknown: false }],
  ['answer ALREADY_SENT (a retry of one that went out): sent', { fateUnknown: true }, answered('ALREADY_SENT'), { status: 'sent', reason: 'ALREADY_SENT', fateUnknown: false }],
  ['answer SYSTEM_BUSY from the send itself: unconfirmed, fate unknown', {}, answered('SYSTEM_BUSY', { openid: 'o1' }), { status: 'unconfirmed', reason: 'SYSTEM_BUSY', fateUnknown: true }],
  ['answer SEND_INTERRUPTED (a run stopped mid-send): unconfirmed', {}, answered('SEND_INTERRUPTED'), { status: 'unconfirmed', fateUnknown: true }],
  ['answer NOT_BOUND: skipped, the function recorded it unsent', { fateUnknown: true }, answered('NOT_BOUND'), { status: 'skipped', fateUnknown: false }],
  ['answer NO_SUBSCRIPTION: skipped', {}, answered('NO_SUBSCRIPTION'), { status: 'skipped', reason: 'NO_SUBSCRIPTION' }],
  ['answer TEMPLATE_INVALID: failed until fixed', {}, answered('TEMPLATE_INVALID'), { status: 'failed', attempts: 'count' }],
  ['answer RATE_LIMITED: pending with backoff, the function recorded it unsent', { fateUnknown: true }, answered('RATE_LIMITED'), { status: 'pending', attempts: 'count', nextAttemptAt: iso(NOW + 2_000), fateUnknown: false }],
  ['answer FUNCTION_STORE_ERROR: retried, fate unknown', {}, answered('FUNCTION_STORE_ERROR'), { status: 'pending', fateUnknown: true }],
  ['answer IN_PROGRESS: requeued without an attempt, fate unknown (another run is sending it)', {}, answered('IN_PROGRESS'), { status: 'pending', attempts: 'keep', nextAttemptAt: iso(NOW + 5_000), fateUnknown: true }],
  ['answer NOT_ATTEMPTED: requeued at once, no attempt, fate as it was', { fateUnknown: true }, answered('NOT_ATTEMPTED'), { status: 'pending', attempts: 'keep', nextAttemptAt: iso(NOW), fateUnknown: true }],
  ['answer NOT_ATTEMPTED on a fresh message: fate still known', {}, answered('NOT_ATTEMPTED'), { fateUnknown: false }],
  ['answer DAILY_QUOTA_EXCEEDED: waits for the next Beijing day', {}, answered('DAILY_QUOTA_EXCEEDED'), { status: 'pending', nextAttemptAt: '2026-12-07T16:00:00.000Z' }],

  // A call to the channel fails.
  ['call failed, -1 (the function may have run): retried, fate unknown', {}, callFailed('SYSTEM_BUSY'), { status: 'pending', attempts: 'count', fateUnknown: true }],
  ['call failed, timeout: retried, fate unknown', {}, callFailed('TIMEOUT'), { status: 'pending', fateUnknown: true }],
  ['call failed before the function ran (token): retried, fate as it was', {}, callFailed('TOKEN_REJECTED'), { status: 'pending', fateUnknown: false }],
  ['call failed before the function ran keeps an earlier doubt', { fateUnknown: true }, callFailed('TOKEN_REJECTED'), { fateUnknown: true }],
  ['call failed for good (wechat-client: not retryable): failed', {}, callFailed('HTTP_STATUS', { permanent: true }), { status: 'failed' }],
  ['the function refused the call (INVALID_EVENT): failed, fate as it was', { fateUnknown: true }, callFailed('INVALID_EVENT'), { status: 'failed', fateUnknown: true }],
  ['a retry past the attempt budget: dead', { rows: [{ id: 'r1', attempts: 2, createdAt: iso(NOW - 60_000) }] }, callFailed('TIMEOUT'), { status: 'dead', attempts: 'count' }],
  ['a retry past the age budget: dead', { rows: [{ id: 'r1', attempts: 0, createdAt: iso(NOW - 25 * 3_600_000) }] }, callFailed('TIMEOUT'), { status: 'dead' }],
  ['a digest lives while one row has budget: all retry', { rows: [{ id: 'r1', attempts: 2, createdAt: iso(NOW - 60_000) }, { id: 'r2', attempts: 0, createdAt: iso(NOW) }] }, callFailed('TIMEOUT'), { status: 'pending' }],
  ['an answer for a message no longer held is ignored', { status: 'pending' }, answered('SENT'), 'ignored'],

  // Customers moved away, or the salesperson left, at the moment of sending.
  ['not theirs, fate known: withdrawn without asking', {}, { type: 'not-theirs', reason: 'NO_LONGER_ASSIGNED' }, { status: 'withdrawn', reason: 'NO_LONGER_ASSIGNED', attempts: 'count' }],
  ['not theirs, fate unknown: the channel is asked first', { fateUnknown: true }, { type: 'not-theirs', reason: 'NO_LONGER_ASSIGNED' }, { recall: 'NO_LONGER_ASSIGNED' }],
  ['assignee deactivated, fate unknown: asked first', { fateUnknown: true }, { type: 'not-theirs', reason: 'ASSIGNEE_INACTIVE' }, { recall: 'ASSIGNEE_INACTIVE' }],
  ['recall answered RECALLED: withdrawn for the reason it was recalled', { fateUnknown: true }, { type: 'answer', outcome: { reason: 'RECALLED', answered: true }, recalledFor: 'ASSIGNEE_INACTIVE' }, { status: 'withdrawn', reason: 'ASSIGNEE_INACTIVE', fateUnknown: false }],
  ['recall answered ALREADY_SENT: it went out, so sent', { fateUnknown: true }, { type: 'answer', outcome: { reason: 'ALREADY_SENT', answered: true }, recalledFor: 'NO_LONGER_ASSIGNED' }, { status: 'sent', reason: 'ALREADY_SENT' }],
  ['recall answered RECALLED, rows still theirs: they go out as a new message', { fateUnknown: true }, { type: 'answer', outcome: { reason: 'RECALLED', answered: true }, recalledFor: 'NO_LONGER_ASSIGNED', stillTheirs: true }, { status: 'pending', deliveryId: 'new-1', attempts: 'keep', fateUnknown: false }],
  ['recall call failed: retried, still unknown', { fateUnknown: true }, { type: 'answer', outcome: { reason: 'TIMEOUT', answered: false }, recalledFor: 'NO_LONGER_ASSIGNED' }, { status: 'pending', fateUnknown: true }],

  // WeChat's delivery receipts.
  ['receipt delivered: a sent message confirmed', { status: 'sent' }, { type: 'receipt', delivered: true, detail: '0 success', receivedAt: iso(NOW) }, { status: 'sent', reason: 'SENT', confirmedAt: iso(NOW) }],
  ['receipt delivered: an unconfirmed message is sent after all', { status: 'unconfirmed', fateUnknown: true }, { type: 'receipt', delivered: true, detail: '0 success', receivedAt: iso(NOW) }, { status: 'sent', confirmedAt: iso(NOW), fateUnknown: false }],
  ['receipt refuted: an unconfirmed message goes out again as a new one, not yet tried', { status: 'unconfirmed', fateUnknown: true }, { type: 'receipt', delivered: false, detail: '10001 failed', receivedAt: iso(NOW) }, { status: 'pending', deliveryId: 'new-1', reason: 'DELIVERY_FAILED', fateUnknown: false, tried: 'forgotten' }],
  ['receipt refuted: a sent message failed', { status: 'sent' }, { type: 'receipt', delivered: false, detail: '10001 failed', receivedAt: iso(NOW) }, { status: 'failed', reason: 'DELIVERY_FAILED', confirmedAt: iso(NOW) }],
  ['a second receipt for a confirmed message is ignored', { status: 'sent', confirmed: true }, { type: 'receipt', delivered: false, detail: 'x', receivedAt: iso(NOW) }, 'ignored'],
  ['no receipt in time: sent again once, as a new message', { status: 'unconfirmed', fateUnknown: true }, { type: 'no-receipt-in-time' }, { status: 'pending', deliveryId: 'new-1', reason: 'NO_RECEIPT', resentForNoReceipt: true }],
  ['no receipt in time again: waits for an operator', { status: 'unconfirmed', resentForNoReceipt: true }, { type: 'no-receipt-in-time' }, 'ignored'],

  // An operator, an acceptance, a stop.
  ['operator retry of failed: pending, fresh budget, same id', { status: 'failed', reason: 'TEMPLATE_INVALID' }, { type: 'operator-retry' }, { status: 'pending', deliveryId: 'd1', attempts: 'reset' }],
  ['operator retry of unconfirmed: a new message under a new id', { status: 'unconfirmed' }, { type: 'operator-retry' }, { status: 'pending', deliveryId: 'new-1', attempts: 'reset', resentForNoReceipt: false }],
  ['operator retry of one a receipt refuted: a new id', { status: 'failed', reason: 'DELIVERY_FAILED' }, { type: 'operator-retry' }, { deliveryId: 'new-1' }],
  ['operator retry of sent: refused', { status: 'sent' }, { type: 'operator-retry' }, 'ignored'],
  ['operator retry of withdrawn: refused', { status: 'withdrawn' }, { type: 'operator-retry' }, 'ignored'],
  ['acceptance: a skipped message goes out again under a new id', { status: 'skipped' }, { type: 'acceptance' }, { status: 'pending', deliveryId: 'new-1', attempts: 'reset' }],
  ['acceptance does not touch what is not skipped', { status: 'failed' }, { type: 'acceptance' }, 'ignored'],
  ['release on stop: back to pending, no attempt used', {}, { type: 'release' }, { status: 'pending', attempts: 'keep', nextAttemptAt: iso(NOW) }],
];

describe('delivery states: transition(message, event)', () => {
  it.each(RULES)('%s', (_name, state, event, expected) => {
    const decision = transition(message(state), event, context());
    if (expected === 'ignored') return expect(decision).toBeUndefined();
    if ('recall' in expected) return expect(decision).toEqual(expected);
    expect(decision && 'change' in decision ? decision.change : decision).toMatchObject(expected);
  });

  it('every status can be left or is final by a named rule: the table covers each one', () => {
    const covered = new Set(RULES.map(([, state]) => (state.status ?? 'sending') as NotificationStatus));
    expect([...NOTIFICATION_STATUSES].filter((status) => !covered.has(status))).toEqual(['dead']);
    // dead leaves only by an operator: the same rule as failed.
    expect(transition(message({ status: 'dead' }), { type: 'operator-retry' }, context())).toMatchObject({ change: { status: 'pending', attempts: 'reset' } });
  });

  it('mints a delivery id only where a message goes out again as a new one', () => {
    const minted: string[] = [];
    const ctx = { ...context(), newDeliveryId: () => `minted-${minted.push('x')}` };
    for (const [, state, event] of RULES) transition(message(state), event, ctx);
    const newIdRules = RULES.filter(([, , , expected]) => typeof expected === 'object' && 'deliveryId' in expected && String(expected.deliveryId).startsWith('new-'));
    expect(minted).toHaveLength(newIdRules.length);
  });
});
