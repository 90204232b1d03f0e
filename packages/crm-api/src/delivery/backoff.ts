/**
 * Exponential backoff with jitter: attempt 1 waits about base, each next one twice as long, capped; the
 * wait is drawn from [half, full] so workers that failed together do not retry together.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}
