import { describe, expect, it } from 'vitest';
import { judgeReachability } from '../src/domain/reachability.js';

const none = { subscription: undefined, templates: [], lastDelivered: undefined, lastSkipped: undefined, firstSeenBound: undefined, releasedAt: undefined, wecomUserId: null };
const at = (minute: number) => `2026-11-25T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('reachability, judged from what WeChat has told the CRM', () => {
  it('knows nothing before any delivery or push', () => {
    expect(judgeReachability('u', none)).toMatchObject({ bound: null, acceptancesInStock: null, expected: 'unknown' });
  });

  it('a NOT_BOUND skip makes the user unreachable until WeChat shows a binding after it', () => {
    const skipped = { ...none, lastSkipped: { notificationId: 'n1', at: at(1), reason: 'NOT_BOUND' } };
    expect(judgeReachability('u', skipped)).toMatchObject({ bound: false, expected: 'unreachable: NOT_BOUND' });
    const pushedAfter = { ...skipped, subscription: { remaining: 1, refused: false, updatedAt: at(2) }, firstSeenBound: at(2) };
    expect(judgeReachability('u', pushedAfter)).toMatchObject({ bound: true, acceptancesInStock: 1, expected: 'reachable' });
  });

  it("an admin's release of the binding makes the user unreachable until WeChat shows a binding after it", () => {
    const delivered = { ...none, firstSeenBound: at(0), lastDelivered: { notificationId: 'n0', at: at(1) }, subscription: { remaining: 2, refused: false, updatedAt: at(1) } };
    expect(judgeReachability('u', delivered).expected).toBe('reachable');
    const released = { ...delivered, releasedAt: at(3) };
    expect(judgeReachability('u', released)).toMatchObject({ bound: false, expected: 'unreachable: NOT_BOUND' });
    expect(judgeReachability('u', { ...released, subscription: { remaining: 1, refused: false, updatedAt: at(4) } })).toMatchObject({ bound: true, expected: 'reachable' });
  });

  it('a NO_SUBSCRIPTION skip stands until an acceptance after it; a used-up or turned-off count is unreachable', () => {
    const refused = { ...none, firstSeenBound: at(0), lastSkipped: { notificationId: 'n2', at: at(5), reason: 'NO_SUBSCRIPTION' } };
    expect(judgeReachability('u', refused).expected).toBe('unreachable: NO_SUBSCRIPTION');
    expect(judgeReachability('u', { ...refused, subscription: { remaining: 1, refused: false, updatedAt: at(6) } }).expected).toBe('reachable');
    expect(judgeReachability('u', { ...refused, subscription: { remaining: 1, refused: false, updatedAt: at(4) } }).expected).toBe('unreachable: NO_SUBSCRIPTION');
    expect(judgeReachability('u', { ...none, firstSeenBound: at(0), subscription: { remaining: 0, refused: false, updatedAt: at(1) } }).expected).toBe(
      'unreachable: NO_SUBSCRIPTION',
    );
    expect(judgeReachability('u', { ...none, subscription: { remaining: 0, refused: true, updatedAt: at(1) } })).toMatchObject({
      turnedOff: true,
      expected: 'unreachable: NO_SUBSCRIPTION',
    });
  });

  it("a phone showing every subscribe message off (mainSwitch false) is not reachable by subscription, whatever is in stock; WeCom still is", () => {
    const stocked = { ...none, subscription: { remaining: 3, refused: false, updatedAt: at(1) }, firstSeenBound: at(1) };
    const off = { ...stocked, mainSwitchOffAt: at(2) };
    expect(judgeReachability('u', stocked)).toMatchObject({ mainSwitchOff: false, expected: 'reachable' });
    expect(judgeReachability('u', off)).toMatchObject({ mainSwitchOff: true, bound: true, expected: 'unreachable: NO_SUBSCRIPTION' });
    expect(judgeReachability('u', { ...off, wecomUserId: 'zs' }, ['wechat-subscribe', 'wecom'])).toMatchObject({ expected: 'reachable', expectedChannel: 'wecom' });
  });

  describe('over the configured channels', () => {
    const both = ['wechat-subscribe', 'wecom'] as const;
    const noneLeft = { ...none, subscription: { remaining: 0, refused: true, updatedAt: at(1) }, firstSeenBound: at(1) };
    const stocked = { ...none, subscription: { remaining: 2, refused: false, updatedAt: at(1) }, firstSeenBound: at(1) };

    it('with stock, the subscribe message; with none left, WeCom when they have a userid', () => {
      expect(judgeReachability('u', { ...stocked, wecomUserId: 'zs' }, both)).toMatchObject({ expected: 'reachable', expectedChannel: 'wechat-subscribe' });
      expect(judgeReachability('u', { ...noneLeft, wecomUserId: 'zs' }, both)).toMatchObject({ expected: 'reachable', expectedChannel: 'wecom', wecomReachable: true });
      expect(judgeReachability('u', noneLeft, both)).toMatchObject({ expected: 'unreachable: NO_SUBSCRIPTION', expectedChannel: null, wecomReachable: false });
    });

    it('WeCom first when the order says so; not at all when WeCom is not configured', () => {
      expect(judgeReachability('u', { ...stocked, wecomUserId: 'zs' }, ['wecom', 'wechat-subscribe'])).toMatchObject({ expectedChannel: 'wecom' });
      expect(judgeReachability('u', { ...noneLeft, wecomUserId: 'zs' }, ['wechat-subscribe'])).toMatchObject({ expected: 'unreachable: NO_SUBSCRIPTION', wecomReachable: false });
    });

    it('what the subscribe message said of a lead WeCom then delivered (not bound, none left) stands: the next goes on WeCom', () => {
      const onWecom = { ...none, wecomUserId: 'zs', lastDelivered: { notificationId: 'n1', at: at(1) } };
      const notBound = { ...onWecom, lastPassedOver: { at: at(1), reason: 'NOT_BOUND' } };
      expect(judgeReachability('u', notBound, both)).toMatchObject({ bound: false, expected: 'reachable', expectedChannel: 'wecom' });
      const noneLeft = { ...onWecom, firstSeenBound: at(0), lastPassedOver: { at: at(1), reason: 'NO_SUBSCRIPTION' } };
      expect(judgeReachability('u', noneLeft, both)).toMatchObject({ bound: true, expected: 'reachable', expectedChannel: 'wecom' });
      // Without it WeChat has said nothing the CRM kept: either channel may carry the next lead.
      expect(judgeReachability('u', onWecom, both)).toMatchObject({ bound: null, expected: 'reachable', expectedChannel: null });
      // An acceptance pushed after it: the subscribe message again.
      expect(judgeReachability('u', { ...noneLeft, subscription: { remaining: 1, refused: false, updatedAt: at(2) } }, both)).toMatchObject({ expectedChannel: 'wechat-subscribe' });
    });

    it('a lead WeCom refused after the subscribe message skipped it: both words stand', () => {
      const skipped = { ...none, wecomUserId: 'zs', lastSkipped: { notificationId: 'n1', at: at(1), reason: 'WECOM_USER_INVALID' }, lastPassedOver: { at: at(1), reason: 'NOT_BOUND' } };
      expect(judgeReachability('u', skipped, both)).toMatchObject({ bound: false, wecomReachable: false, expected: 'unreachable: NOT_BOUND', expectedChannel: null });
    });

    it('a userid WeCom refused (WECOM_USER_INVALID) is not reachable until a message reaches them after it', () => {
      const refused = { ...noneLeft, wecomUserId: 'zs', lastSkipped: { notificationId: 'n2', at: at(3), reason: 'WECOM_USER_INVALID' } };
      expect(judgeReachability('u', refused, both)).toMatchObject({ wecomReachable: false });
      expect(judgeReachability('u', { ...refused, lastDelivered: { notificationId: 'n3', at: at(4) } }, both)).toMatchObject({ wecomReachable: true, expected: 'reachable' });
    });
  });
});

