export interface FaultSettings {
  /** Added before every invocation is answered, ms (network and queueing). */
  latencyMs: number;
  /** Added inside the function run, ms: counts against the function's time limit. */
  functionLatencyMs: number;
  /** Share of invocations answered with `errcode` (0–1). */
  failureRate: number;
  errcode: number;
  /** Share of invocations answered with HTTP 500. */
  http500Rate: number;
  /** Share of invocations whose connection is dropped without an answer. */
  dropRate: number;
  /** Share of invocations that run but answer only after `slowMs`: the caller times out, the work is done. */
  slowRate: number;
  slowMs: number;
  /** Added to every `subscribeMessage.send` after WeChat has decided (and delivered): a slow answer. */
  sendLatencyMs: number;
  /** Share of accepted sends whose answer to the function is `-1 system error` although the user got it. */
  errorAfterSendRate: number;
}

export type Fault = { kind: 'none' } | { kind: 'errcode'; errcode: number } | { kind: 'http500' } | { kind: 'drop' } | { kind: 'slow'; ms: number };

export const NO_FAULTS: FaultSettings = { latencyMs: 0, functionLatencyMs: 0, failureRate: 0, errcode: -1, http500Rate: 0, dropRate: 0, slowRate: 0, slowMs: 10_000, sendLatencyMs: 0, errorAfterSendRate: 0 };

/** Draws one fault for an invocation; the rates are exclusive slices of [0, 1). */
export function drawFault(settings: FaultSettings, random: () => number): Fault {
  let roll = random();
  if ((roll -= settings.dropRate) < 0) return { kind: 'drop' };
  if ((roll -= settings.http500Rate) < 0) return { kind: 'http500' };
  if ((roll -= settings.failureRate) < 0) return { kind: 'errcode', errcode: settings.errcode };
  if ((roll -= settings.slowRate) < 0) return { kind: 'slow', ms: settings.slowMs };
  return { kind: 'none' };
}

export const RATE_KEYS = ['failureRate', 'http500Rate', 'dropRate', 'slowRate'] as const;
