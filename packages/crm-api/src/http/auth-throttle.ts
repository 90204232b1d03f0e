import type { Clock } from '../clock.js';

export interface AuthThrottleOptions {
  /** Failures per client address within the window before it is refused. */
  limit: number;
  windowMs: number;
  clock: Clock;
  /** Addresses remembered at most; the oldest window is dropped beyond it, so memory stays bounded. */
  maxAddresses?: number;
}

/**
 * Counts failed authentications per client address in a fixed window, in memory: per process (two instances
 * each allow the limit). Success does not reset the count, so a valid token cannot be used to keep guessing.
 */
export function createAuthThrottle(options: AuthThrottleOptions) {
  const windows = new Map<string, { started: number; failures: number }>();
  const maxAddresses = options.maxAddresses ?? 10_000;
  const current = (address: string) => {
    const window = windows.get(address);
    if (window && options.clock.now() - window.started < options.windowMs) return window;
    windows.delete(address);
    return undefined;
  };
  return {
    /** Seconds until the address may try again, or 0 when it may now. */
    retryAfterSeconds(address: string): number {
      const window = current(address);
      if (!window || window.failures < options.limit) return 0;
      return Math.max(1, Math.ceil((window.started + options.windowMs - options.clock.now()) / 1000));
    },
    recordFailure(address: string): void {
      const window = current(address);
      if (window) {
        window.failures += 1;
        return;
      }
      if (windows.size >= maxAddresses) windows.delete(windows.keys().next().value as string);
      windows.set(address, { started: options.clock.now(), failures: 1 });
    },
  };
}

export type AuthThrottle = ReturnType<typeof createAuthThrottle>;
