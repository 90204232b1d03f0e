import { describe, expect, it } from 'vitest';
import type { CloudDatabase, CloudSdk } from '../src/cloud-sdk.js';
import { createHandler } from '../src/create-handler.js';
import { createTestFunction, notification, sendEvent } from './helpers.js';

/**
 * The database as one run sees it, stalled once just before it marks a record `sending` (a cloud database call that
 * hangs, in a function whose real limit was set longer than FUNCTION_TIMEOUT_MS says): `stall()` resolves when it is
 * stalled, `resume()` lets it go on.
 */
function stallingBeforeSending(cloud: CloudSdk) {
  let resume!: () => void;
  const gate = new Promise<void>((resolve) => (resume = resolve));
  let reached!: () => void;
  const stalled = new Promise<void>((resolve) => (reached = resolve));
  let once = false;
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, key, receiver) {
        const value = Reflect.get(object, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (key === 'update') {
          return async (options: { data: Record<string, unknown> }) => {
            if (options.data.state === 'sending' && !once) {
              once = true;
              reached();
              await gate;
            }
            return (value as (options: unknown) => unknown).call(object, options);
          };
        }
        if (key === 'collection' || key === 'doc' || key === 'where' || key === 'limit') {
          return (...args: unknown[]) => wrap((value as (...args: unknown[]) => object).apply(object, args));
        }
        return (value as (...args: unknown[]) => unknown).bind(object);
      },
    });
  const database = (): CloudDatabase => wrap(cloud.database());
  return { cloud: { ...cloud, database } as CloudSdk, stalled, resume };
}

describe('a run that stalls past FUNCTION_TIMEOUT_MS is no longer the owner of its delivery', () => {
  it('taken over as stale by a retry that sent, it does not send when it wakes: one message', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    await fn.subscribe('openid-zhang', 2);
    fn.asHttpApi();
    const slow = stallingBeforeSending(fn.fake.cloud);
    const stallingRun = createHandler({ cloud: slow.cloud, config: fn.config, now: () => fn.clock.now(), log: { info() {}, warn() {}, error() {} } }) as (event: unknown) => Promise<any>;
    const item = notification();

    const first = stallingRun(sendEvent(item));
    await slow.stalled;
    fn.clock.advance(fn.config.staleRecordMs + 1);
    const retry = await fn.handle(sendEvent(item));
    slow.resume();
    const woke = await first;

    expect(retry.result).toMatchObject({ reason: 'SENT' });
    expect(woke.result).toMatchObject({ reason: 'IN_PROGRESS' });
    expect(fn.fake.sent).toHaveLength(1);
    expect(fn.deliveryStates()).toEqual({ [item.deliveryId]: 'sent' });
    expect(fn.remaining('openid-zhang')).toBe(1);
  });
});
