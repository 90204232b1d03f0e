export interface FaultSettings {
  /** Added before every invocation is answered, ms (network and queueing). */
  latencyMs: number;
  /** Added inside every run of the function (HTTP, mini program, set-up), ms: counts against its time limit. */
  functionLatencyMs: number;
  /** Share of invocations answered with `errcode` (0–1). */
  failureRate: number;
  errcode: number;
  /** Share of invocations answered with HTTP 500. */
  http500Rate: number;
  /** Share of invocations whose connection is dropped without an answer. */
  dropRate: number;
  /**
   * Share of the ambiguous failures above (HTTP 500, a dropped connection, errcode -1 or -1000) that strike
   * after the function ran — and perhaps sent — instead of before it started (0–1).
   */
  afterRunShare: number;
  /** Share of invocations that run but answer only after `slowMs`: the caller times out, the work is done. */
  slowRate: number;
  slowMs: number;
  /** Added to every `subscribeMessage.send` after WeChat has decided (and delivered): a slow answer. */
  sendLatencyMs: number;
  /**
   * Added to every `subscribeMessage.send` before WeChat has it: the request on its way. A run stopped at its
   * limit meanwhile never gets it there — not delivered, where a kill during `sendLatencyMs` comes after delivery.
   */
  sendTransitMs: number;
  /** Share of accepted sends whose answer to the function is `-1 system error` although the user got it. */
  errorAfterSendRate: number;
}

/**
 * How an invocation fails. `afterRun`: the function ran to its end (or its limit) first, so whatever it sent
 * went out, and the caller cannot tell — WeChat's "maybe sent" (shared WECHAT.md, "Ambiguous answers").
 */
export type Fault =
  | { kind: 'none' }
  | { kind: 'errcode'; errcode: number; afterRun: boolean }
  | { kind: 'http500'; afterRun: boolean }
  | { kind: 'drop'; afterRun: boolean }
  | { kind: 'slow'; ms: number };

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  functionLatencyMs: 0,
  failureRate: 0,
  errcode: -1,
  http500Rate: 0,
  dropRate: 0,
  afterRunShare: 0.5,
  slowRate: 0,
  slowMs: 10_000,
  sendLatencyMs: 0,
  sendTransitMs: 0,
  errorAfterSendRate: 0,
};

/**
 * Errcodes that say nothing about whether the function ran: the system errors (-1, -1000; the HTTP API's
 * errcode list). Every other errcode (token, parameters, quota, permission) refuses the call before any run.
 */
const SYSTEM_ERRCODES: ReadonlySet<number> = new Set([-1, -1000]);

/** Draws one fault for an invocation; the rates are exclusive slices of [0, 1). */
export function drawFault(settings: FaultSettings, random: () => number): Fault {
  let roll = random();
  const afterRun = () => random() < settings.afterRunShare;
  if ((roll -= settings.dropRate) < 0) return { kind: 'drop', afterRun: afterRun() };
  if ((roll -= settings.http500Rate) < 0) return { kind: 'http500', afterRun: afterRun() };
  if ((roll -= settings.failureRate) < 0) {
    return { kind: 'errcode', errcode: settings.errcode, afterRun: SYSTEM_ERRCODES.has(settings.errcode) && afterRun() };
  }
  if ((roll -= settings.slowRate) < 0) return { kind: 'slow', ms: settings.slowMs };
  return { kind: 'none' };
}

export const RATE_KEYS = ['failureRate', 'http500Rate', 'dropRate', 'slowRate'] as const;
