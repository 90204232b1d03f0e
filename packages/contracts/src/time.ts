/**
 * Beijing time, the one clock the product's rules speak in: a sales day (pool limits), WeChat's daily
 * quotas (45009 resets at midnight China time) and the time a message shows. China has one time zone,
 * UTC+8, and no daylight saving, so fixed arithmetic is exact.
 */
const BEIJING_OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

/** The instant the Beijing day containing `nowMs` began. */
export function startOfBeijingDay(nowMs: number): number {
  return Math.floor((nowMs + BEIJING_OFFSET_MS) / DAY_MS) * DAY_MS - BEIJING_OFFSET_MS;
}

/** The instant the next Beijing day begins. */
export function startOfNextBeijingDay(nowMs: number): number {
  return startOfBeijingDay(nowMs) + DAY_MS;
}

/** "2026-11-25 10:00": 24-hour Beijing time, the form WeChat's `time` keyword accepts. */
export function formatBeijingTime(ms: number): string {
  const shifted = new Date(ms + BEIJING_OFFSET_MS);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())} ${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
}
