import { randomBytes } from 'node:crypto';

/** Token lifetime and renewal rules, as getAccessToken and getStableAccessToken document them. */
const LIFETIME_MS = 7200 * 1000;
const RENEW_BEFORE_MS = 5 * 60 * 1000;
const OVERLAP_MS = 5 * 60 * 1000;
const FORCE_SPACING_MS = 30 * 1000;
const FORCE_PER_DAY = 20;

interface IssuedToken {
  value: string;
  expiresAt: number;
  /** Set when a newer token replaced it; it stays usable until then. */
  invalidAt?: number;
}

export type TokenCheck = { ok: true } | { ok: false; errcode: 40001 | 40014 | 41001 | 42001; errmsg: string };

/**
 * Issues and checks access tokens. Stable tokens: every caller gets the same one while it is valid; a new one
 * is made when less than 5 minutes remain (the old one works until it expires); force_refresh replaces it at
 * once, at most 20 times a day and not within 30 s of the last. Classic tokens: every fetch makes a new one
 * and the previous one keeps working for 5 minutes.
 */
export function createTokenAuthority(now: () => number) {
  const issued = new Map<string, IssuedToken>();
  let stable: IssuedToken | undefined;
  let classic: IssuedToken | undefined;
  let lastForceAt = -Infinity;
  let forceDay = '';
  let forceCount = 0;

  function issue(): IssuedToken {
    const token = { value: randomBytes(24).toString('base64url'), expiresAt: now() + LIFETIME_MS };
    issued.set(token.value, token);
    return token;
  }

  return {
    stableToken(forceRefresh: boolean): { token: IssuedToken } | { errcode: 45009; errmsg: string } {
      const at = now();
      if (forceRefresh && stable && at - lastForceAt >= FORCE_SPACING_MS) {
        const day = new Date(at + 8 * 3_600_000).toISOString().slice(0, 10);
        if (day !== forceDay) {
          forceDay = day;
          forceCount = 0;
        }
        if (forceCount >= FORCE_PER_DAY) return { errcode: 45009, errmsg: 'reach max api daily quota limit (force_refresh)' };
        forceCount++;
        lastForceAt = at;
        stable.invalidAt = at;
        stable = issue();
      } else if (!stable || stable.expiresAt - at <= RENEW_BEFORE_MS) {
        stable = issue();
      }
      return { token: stable };
    },
    classicToken(): IssuedToken {
      if (classic) classic.invalidAt = Math.min(classic.expiresAt, now() + OVERLAP_MS);
      classic = issue();
      return classic;
    },
    check(value: string | undefined): TokenCheck {
      if (!value) return { ok: false, errcode: 41001, errmsg: 'access_token missing' };
      const token = issued.get(value);
      if (!token) return { ok: false, errcode: 40014, errmsg: 'invalid access_token' };
      const at = now();
      if (token.expiresAt <= at) return { ok: false, errcode: 42001, errmsg: 'access_token expired' };
      if (token.invalidAt !== undefined && token.invalidAt <= at) {
        return { ok: false, errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
      }
      return { ok: true };
    },
    /** Fault injection: every token handed out so far expires now. */
    expireAll(): void {
      const at = now();
      for (const token of issued.values()) token.expiresAt = Math.min(token.expiresAt, at);
      stable = undefined;
      classic = undefined;
    },
    issuedValues(): string[] {
      return [...issued.keys()];
    },
    remainingSeconds(token: IssuedToken): number {
      return Math.max(1, Math.floor((token.expiresAt - now()) / 1000));
    },
  };
}

export type TokenAuthority = ReturnType<typeof createTokenAuthority>;
