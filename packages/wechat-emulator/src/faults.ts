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
}

export type Fault = { kind: 'none' } | { kind: 'errcode'; errcode: number } | { kind: 'http500' } | { kind: 'drop' };

export const NO_FAULTS: FaultSettings = { latencyMs: 0, functionLatencyMs: 0, failureRate: 0, errcode: -1, http500Rate: 0, dropRate: 0 };

/** Draws one fault for an invocation; the three rates are exclusive slices of [0, 1). */
export function drawFault(settings: FaultSettings, random: () => number): Fault {
  const roll = random();
  if (roll < settings.dropRate) return { kind: 'drop' };
  if (roll < settings.dropRate + settings.http500Rate) return { kind: 'http500' };
  if (roll < settings.dropRate + settings.http500Rate + settings.failureRate) return { kind: 'errcode', errcode: settings.errcode };
  return { kind: 'none' };
}
