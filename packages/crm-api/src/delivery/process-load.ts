import { performance } from 'node:perf_hooks';

/** Whether the notifier may start a loop beyond its base, and whether the process is too busy for the ones it has. */
export interface LoopGate {
  mayStartLoop(): boolean;
  busy(): boolean;
}

/**
 * The process's event-loop utilization over the last `windowMs` (Node's measure of how much of the time the loop was
 * running code) decides: above `busyLoad` the process is busy — an API answering a load of requests comes first. At most
 * one loop starts per window, so a burst of assignments cannot start many before the load shows.
 */
export function createLoopGate(options: { windowMs?: number; busyLoad?: number } = {}): LoopGate {
  const windowMs = options.windowMs ?? 25;
  const busyLoad = options.busyLoad ?? 0.25;
  let since = performance.eventLoopUtilization();
  let sampledAt = performance.now();
  let load = 0;
  let startedAt = -Infinity;
  const currentLoad = () => {
    if (performance.now() - sampledAt >= windowMs) {
      const now = performance.eventLoopUtilization();
      load = performance.eventLoopUtilization(now, since).utilization;
      since = now;
      sampledAt = performance.now();
    }
    return load;
  };
  return {
    mayStartLoop() {
      if (currentLoad() > busyLoad || performance.now() - startedAt < windowMs) return false;
      startedAt = performance.now();
      return true;
    },
    busy: () => currentLoad() > busyLoad,
  };
}
