const MINUTE_MS = 60_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

export type QuotaRefusal = 'minute' | 'day';

/**
 * An API's call limits as WeChat states them ("10,000 calls per minute, 500,000 per day"). Every call counts,
 * refused ones included, since nothing documents otherwise. The minute is a sliding 60 s window, the
 * strictest reading (a calendar minute would let twice the limit through across its boundary); the day is
 * the Beijing calendar day, on which WeChat's daily quotas reset.
 */
export function createCallQuota(options: { perMinute: number; perDay?: number; now: () => number }) {
  // Times of the calls in the last minute, oldest first.
  const recent: number[] = [];
  let head = 0;
  let day = '';
  let today = 0;

  return {
    /** Counts one call; says which limit it passed, if any. */
    take(): QuotaRefusal | undefined {
      const at = options.now();
      while (head < recent.length && (recent[head] as number) <= at - MINUTE_MS) head++;
      if (head > 4096) {
        recent.splice(0, head);
        head = 0;
      }
      const beijingDay = new Date(at + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
      if (beijingDay !== day) {
        day = beijingDay;
        today = 0;
      }
      recent.push(at);
      today++;
      if (recent.length - head > options.perMinute) return 'minute';
      if (options.perDay !== undefined && today > options.perDay) return 'day';
      return undefined;
    },
  };
}

export type CallQuota = ReturnType<typeof createCallQuota>;
