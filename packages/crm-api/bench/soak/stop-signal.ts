import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

/** Ends the soak's background loops: each waits with `sleep`, which returns false as soon as the soak stops. */
export function createStopSignal() {
  const controller = new AbortController();
  // Every loop and pending correction waits on this one signal at once: many listeners are its purpose, not a leak.
  setMaxListeners(0, controller.signal);
  return {
    stop: () => controller.abort(),
    stopped: () => controller.signal.aborted,
    /** Waits `ms`; false when the soak stopped meanwhile. */
    async sleep(ms: number): Promise<boolean> {
      if (controller.signal.aborted) return false;
      try {
        await delay(Math.max(0, ms), undefined, { signal: controller.signal });
        return true;
      } catch {
        return false;
      }
    },
  };
}

export type StopSignal = ReturnType<typeof createStopSignal>;

/** Wall-clock milliseconds, comparable with the emulator's and the database's times on this machine. */
export const wallNow = () => Date.now();
