/** Time as the code sees it: real in production, set by hand in tests. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
