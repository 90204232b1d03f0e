import type { FunctionDeps } from '../deps.js';

/** What is left of the invocation before WeChat stops it. */
export interface TimeBudget {
  /** Whether work of `ms` started now ends before the function's limit (less the safety margin). */
  fits(ms: number): boolean;
}

/** A batch's budget: whether one more item started now would end in time. */
export interface BatchBudget extends TimeBudget {
  canFinish(): boolean;
  /** An item starts; call what it returns when it ends, whatever its outcome. */
  begin(): () => void;
}

/**
 * How long the HTTP API's caller (the CRM) waits for the answer, whatever the function's own limit: with a limit
 * raised past it, sends that finish later still go out, but their results reach nobody and each costs the CRM an
 * attempt before the next call finds them sent.
 */
const HTTP_API_WAIT_MS = 5_000;

/**
 * WeChat stops the function at its time limit (FUNCTION_TIMEOUT_MS, 3 s by default) and the HTTP API waits 5 s, so
 * an item starts only if it is expected to finish SEND_SAFETY_MARGIN_MS before the earlier of the two. Expected: the
 * longest of the slowest item that ended (SEND_ESTIMATE_MS before the first) and the items still running, which are
 * already taking that long. `items: 'sends'` never expects less than SEND_ESTIMATE_MS: the items that ended first may be
 * quick answers that never reached WeChat (already sent, not bound), while the next may be a send.
 */
export function createTimeBudget(deps: FunctionDeps, startedAtMs: number, items: 'sends' | 'alike' = 'sends'): BatchBudget {
  const { functionTimeoutMs, safetyMarginMs, sendEstimateMs } = deps.config;
  const deadline = startedAtMs + Math.min(functionTimeoutMs, HTTP_API_WAIT_MS) - safetyMarginMs;
  const floor = items === 'sends' ? sendEstimateMs : 0;
  let slowest: number | undefined;
  const running = new Set<{ startedAtMs: number }>();
  const expected = () => Math.max(floor, slowest ?? sendEstimateMs, ...[...running].map((item) => deps.now() - item.startedAtMs));
  return {
    canFinish: () => deps.now() + expected() <= deadline,
    fits: (ms: number) => deps.now() + ms <= deadline,
    begin() {
      const item = { startedAtMs: deps.now() };
      running.add(item);
      return () => {
        running.delete(item);
        slowest = Math.max(slowest ?? 0, deps.now() - item.startedAtMs);
      };
    },
  };
}
