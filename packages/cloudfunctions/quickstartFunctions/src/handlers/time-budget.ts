import type { FunctionDeps } from '../deps.js';

/** What is left of the invocation before WeChat stops it. */
export interface TimeBudget {
  /** Whether work of `ms` started now ends before the function's limit (less the safety margin). */
  fits(ms: number): boolean;
}

/** A batch's budget: whether one more item started now would end in time, by the slowest item seen so far. */
export interface BatchBudget extends TimeBudget {
  canFinish(): boolean;
  observe(ms: number): void;
}

/**
 * How long the HTTP API's caller (the CRM) waits for the answer, whatever the function's own limit: with a limit
 * raised past it, sends that finish later still go out, but their results reach nobody and each costs the CRM an
 * attempt before the next call finds them sent.
 */
const HTTP_API_WAIT_MS = 5_000;

/**
 * WeChat stops the function at its time limit (FUNCTION_TIMEOUT_MS, 3 s by default) and the HTTP API waits 5 s, so
 * an item starts only if it is expected to finish — with the longest item seen so far in this invocation, or
 * SEND_ESTIMATE_MS before the first — SEND_SAFETY_MARGIN_MS before the earlier of the two.
 */
export function createTimeBudget(deps: FunctionDeps, startedAtMs: number): BatchBudget {
  const { functionTimeoutMs, safetyMarginMs, sendEstimateMs } = deps.config;
  const deadline = startedAtMs + Math.min(functionTimeoutMs, HTTP_API_WAIT_MS) - safetyMarginMs;
  let slowest: number | undefined;
  return {
    canFinish: () => deps.now() + (slowest ?? sendEstimateMs) <= deadline,
    fits: (ms: number) => deps.now() + ms <= deadline,
    observe(ms: number) {
      slowest = Math.max(slowest ?? 0, ms);
    },
  };
}
