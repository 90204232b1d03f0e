import { setTimeout as delay } from 'node:timers/promises';
import { inspect } from 'node:util';

export interface WaitForOptions {
  /** What is waited for, in the failure message; the condition's source when not given. */
  what?: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/** What waitFor throws when the condition did not hold in time. */
export class WaitTimeoutError extends Error {
  constructor(message: string, readonly lastValue: unknown) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

/**
 * Calls `probe` until `until` holds for its value and returns that value. After `timeoutMs` it throws,
 * naming what it waited for and the last value it saw, so a test fails where the fact did not arrive.
 * An error thrown by the probe ends the wait at once.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, until: (value: T) => boolean, options: WaitForOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (until(value)) return value;
    if (Date.now() >= deadline) {
      const what = options.what ?? String(until);
      const seen = inspect(value, { depth: 4, maxArrayLength: 20, maxStringLength: 2000, breakLength: Infinity });
      throw new WaitTimeoutError(`waited ${timeoutMs} ms for ${what}; last value seen: ${seen}`, value);
    }
    await delay(intervalMs);
  }
}
