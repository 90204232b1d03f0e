import type { Request } from 'express';
import type { Clock } from '../clock.js';

export interface WindowCounterOptions {
  /** Events per key (a client address) within the window before the key is refused. */
  limit: number;
  windowMs: number;
  clock: Clock;
  /** Keys remembered at most; the oldest window is dropped beyond it, so memory stays bounded. */
  maxKeys?: number;
}

/**
 * Counts events per key in a fixed window, in memory: per process (two instances each allow the limit). Nothing resets
 * a count before its window ends: for failed authentications, a valid token cannot be used to keep guessing.
 */
export function createWindowCounter(options: WindowCounterOptions) {
  const windows = new Map<string, { started: number; events: number }>();
  const maxKeys = options.maxKeys ?? 10_000;
  const current = (key: string) => {
    const window = windows.get(key);
    if (window && options.clock.now() - window.started < options.windowMs) return window;
    windows.delete(key);
    return undefined;
  };
  return {
    /** Seconds until the key may have another event, or 0 when it may now. */
    retryAfterSeconds(key: string): number {
      const window = current(key);
      if (!window || window.events < options.limit) return 0;
      return Math.max(1, Math.ceil((window.started + options.windowMs - options.clock.now()) / 1000));
    },
    count(key: string): void {
      const window = current(key);
      if (window) {
        window.events += 1;
        return;
      }
      if (windows.size >= maxKeys) windows.delete(windows.keys().next().value as string);
      windows.set(key, { started: options.clock.now(), events: 1 });
    },
  };
}

/**
 * The key a client is counted by: its address (the forwarded one behind a trusted proxy), and for IPv6 its /64 — one
 * host is usually given a whole /64, so counting single addresses would let it take a new one for every request.
 */
export function clientKeyOf(req: Pick<Request, 'ip' | 'socket'>): string {
  return addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

export function addressKey(address: string): string {
  const plain = address.split('%')[0] ?? address;
  if (!plain.includes(':')) return plain;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped?.[1]) return mapped[1];
  const [head = '', tail = ''] = plain.split('::');
  const before = head ? head.split(':') : [];
  const after = tail ? tail.split(':') : [];
  const groups = plain.includes('::') ? [...before, ...Array<string>(Math.max(0, 8 - before.length - after.length)).fill('0'), ...after] : before;
  return `${groups
    .slice(0, 4)
    .map((group) => (Number.parseInt(group, 16) || 0).toString(16))
    .join(':')}::/64`;
}
