import { describe, expect, it } from 'vitest';
import { pairReceipts, type ReceiptCandidate, type WaitingReceipt } from '../src/delivery/states/pair-receipts.js';

/** Which delivery a WeChat delivery receipt settles: pure, one rule a case. */
const T0 = Date.parse('2026-12-07T02:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const rules = { ourTemplates: new Set(['lead']), windowMs: 600_000 };

const receipt = (id: string, seconds: number, overrides: Partial<WaitingReceipt> = {}): WaitingReceipt => ({
  id,
  delivered: true,
  templateId: 'lead',
  msgId: null,
  createdAt: at(seconds),
  receivedAt: at(seconds),
  ...overrides,
});
const delivery = (deliveryId: string, status: 'sent' | 'unconfirmed', triedAtSeconds: number, overrides: Partial<ReceiptCandidate> = {}): ReceiptCandidate => ({
  deliveryId,
  status,
  templateId: 'lead',
  msgId: null,
  firstTriedAt: at(triedAtSeconds),
  ...overrides,
});

describe('pairing delivery receipts with deliveries', () => {
  it('a send WeChat answered takes the receipt before an earlier send whose fate is unknown (killed at 3 s)', () => {
    const killed = delivery('killed', 'unconfirmed', 0);
    const answered = delivery('answered', 'sent', 5);
    expect(pairReceipts([receipt('r', 6)], [killed, answered], rules)).toEqual([{ receiptId: 'r', deliveryId: 'answered' }]);
  });

  it('the only delivery a receipt can be for takes it', () => {
    expect(pairReceipts([receipt('r', 4)], [delivery('u', 'unconfirmed', 0)], rules)).toEqual([{ receiptId: 'r', deliveryId: 'u' }]);
  });

  it('a receipt of another template (the host mini program\'s own) settles nothing of ours', () => {
    expect(pairReceipts([receipt('r', 6, { templateId: 'host-order-shipped' })], [delivery('a', 'sent', 5)], rules)).toEqual([]);
  });

  it('a delivery whose template is not known takes only receipts of our templates', () => {
    const legacy = delivery('legacy', 'sent', 5, { templateId: null });
    expect(pairReceipts([receipt('r', 6, { templateId: 'host-order-shipped' })], [legacy], rules)).toEqual([]);
    expect(pairReceipts([receipt('r', 6)], [legacy], rules)).toEqual([{ receiptId: 'r', deliveryId: 'legacy' }]);
  });

  it('a receipt pushed before a delivery was first tried is not its receipt', () => {
    expect(pairReceipts([receipt('r', 0)], [delivery('later', 'sent', 10)], rules)).toEqual([]);
  });

  it('a delivery tried longer ago than the window before the receipt arrived does not take it', () => {
    expect(pairReceipts([receipt('r', 700)], [delivery('old', 'sent', 0)], rules)).toEqual([]);
  });

  it('a MsgID both sides know decides exactly, whatever else is waiting', () => {
    const a = delivery('a', 'sent', 1, { msgId: '3001' });
    const b = delivery('b', 'sent', 2, { msgId: '3002' });
    expect(pairReceipts([receipt('r', 3, { msgId: '3002', delivered: false })], [a, b], rules)).toEqual([{ receiptId: 'r', deliveryId: 'b' }]);
  });

  it('a delivery with a known MsgID never takes a receipt with another one', () => {
    expect(pairReceipts([receipt('r', 3, { msgId: '9999' })], [delivery('a', 'sent', 1, { msgId: '3001' })], rules)).toEqual([]);
  });

  it('two answered sends and one receipt they cannot be told apart by: both wait', () => {
    expect(pairReceipts([receipt('r', 3, { delivered: false })], [delivery('a', 'sent', 1), delivery('b', 'sent', 2)], rules)).toEqual([]);
  });

  it('two unconfirmed sends and one receipt: both wait (and neither is sent again for lack of one)', () => {
    expect(pairReceipts([receipt('r', 9)], [delivery('a', 'unconfirmed', 1), delivery('b', 'unconfirmed', 2)], rules)).toEqual([]);
  });

  it('as many receipts as answered sends, all saying the same: each gets one, whichever is whose', () => {
    const pairs = pairReceipts([receipt('r1', 3), receipt('r2', 3)], [delivery('a', 'sent', 1), delivery('b', 'sent', 1)], rules);
    expect(pairs.map((pair) => pair.deliveryId).sort()).toEqual(['a', 'b']);
    expect(new Set(pairs.map((pair) => pair.receiptId)).size).toBe(2);
  });

  it('as many receipts as sends of unknown fate: they wait (a send stopped at 3 s may never have reached WeChat; the receipts may be others\')', () => {
    expect(pairReceipts([receipt('r1', 9), receipt('r2', 9)], [delivery('a', 'unconfirmed', 1), delivery('b', 'unconfirmed', 2)], rules)).toEqual([]);
  });

  it('two answered sends in turn and their two receipts, the second of which could be either\'s: each gets one', () => {
    const pairs = pairReceipts([receipt('r1', 2), receipt('r2', 12)], [delivery('a', 'sent', 1), delivery('b', 'sent', 11)], rules);
    expect(pairs).toEqual([
      { receiptId: 'r1', deliveryId: 'a' },
      { receiptId: 'r2', deliveryId: 'b' },
    ]);
  });

  it('a receipt lost among answered sends: the "delivered" ones that came still confirm sends WeChat accepted, one each; one stays unconfirmed', () => {
    const sends = [delivery('a', 'sent', 1), delivery('b', 'sent', 11), delivery('c', 'sent', 21)];
    const pairs = pairReceipts([receipt('rb', 12), receipt('rc', 22)], sends, rules);
    expect(pairs).toHaveLength(2);
    expect(new Set(pairs.map((pair) => pair.deliveryId)).size).toBe(2);
    // Each to a send it could be for: rb, pushed at 12 s, not to c, first tried at 21 s.
    expect(pairs.find((pair) => pair.receiptId === 'rb')?.deliveryId).not.toBe('c');
  });

  it('a "failed" receipt among several sends it could be for waits, and so do the others it could be told from only by guessing', () => {
    const sends = [delivery('a', 'sent', 1), delivery('b', 'sent', 2)];
    expect(pairReceipts([receipt('r1', 3), receipt('r2', 3, { delivered: false })], sends, rules)).toEqual([]);
  });

  it('"delivered" receipts left over after the answered sends go to a send of unknown fate only when it is the only one they can be for', () => {
    const stopped = delivery('stopped', 'unconfirmed', 0);
    const pairs = pairReceipts([receipt('r1', 6), receipt('r2', 7)], [stopped, delivery('answered', 'sent', 5)], rules);
    expect(pairs.map((pair) => pair.deliveryId).sort()).toEqual(['answered', 'stopped']);
    const twoStopped = pairReceipts([receipt('r1', 6), receipt('r2', 7)], [stopped, delivery('stopped-too', 'unconfirmed', 1), delivery('answered', 'sent', 5)], rules);
    expect(twoStopped.map((pair) => pair.deliveryId)).toEqual(['answered']);
  });

  it('more "delivered" receipts than answered sends: each answered send gets one; the rest wait (whose they are is not known)', () => {
    const pairs = pairReceipts([receipt('r1', 3), receipt('r2', 3), receipt('r3', 3)], [delivery('a', 'sent', 1), delivery('b', 'sent', 1)], rules);
    expect(pairs.map((pair) => pair.deliveryId).sort()).toEqual(['a', 'b']);
  });

  it('receipts saying different things about sends that cannot be told apart: all wait', () => {
    expect(pairReceipts([receipt('r1', 3), receipt('r2', 3, { delivered: false })], [delivery('a', 'sent', 1), delivery('b', 'sent', 1)], rules)).toEqual([]);
  });

  it('a receipt waits while a send to the same person tried before it was pushed is not answered yet: it may be that one\'s', () => {
    const earlier = delivery('stopped-at-3s', 'unconfirmed', 0);
    const waiting = { ...rules, unanswered: [{ firstTriedAt: at(4) }] };
    expect(pairReceipts([receipt('r', 5)], [earlier], waiting)).toEqual([]);
    // A send first tried after the receipt was pushed cannot be its.
    expect(pairReceipts([receipt('r', 5)], [earlier], { ...rules, unanswered: [{ firstTriedAt: at(9) }] })).toEqual([{ receiptId: 'r', deliveryId: 'stopped-at-3s' }]);
    // The MsgID, where both know it, still decides at once.
    expect(pairReceipts([receipt('r', 5, { msgId: '7' })], [delivery('known', 'sent', 1, { msgId: '7' })], waiting)).toEqual([{ receiptId: 'r', deliveryId: 'known' }]);
  });

  it('a receipt each, in turn: the answered send first, then the unknown one for the next', () => {
    const pairs = pairReceipts([receipt('r1', 6), receipt('r2', 7)], [delivery('killed', 'unconfirmed', 0), delivery('answered', 'sent', 5)], rules);
    expect(pairs).toEqual([
      { receiptId: 'r1', deliveryId: 'answered' },
      { receiptId: 'r2', deliveryId: 'killed' },
    ]);
  });
});
