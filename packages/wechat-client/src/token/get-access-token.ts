import type { ClientState } from '../types.js';
import { fetchAccessToken } from './fetch-access-token.js';

/** A cached token while it is usable, else one fresh token shared by every concurrent caller. */
export async function getAccessToken(state: ClientState): Promise<string> {
  const cached = await state.tokenStore.get(state.tokenCacheKey);
  if (cached && cached.expiresAt > state.clock.now()) return cached.accessToken;
  return singleFlight(state, 'normal', () => refreshToken(state, false));
}

/**
 * Called after WeChat rejected `rejected`. Returns another token to retry with, or undefined when this
 * process cannot get a different one right now.
 *
 * stable_token answers every caller with the same token while it is valid, so a plain refresh may return
 * the rejected token again. Only then is `force_refresh: true` used: it invalidates the token for every
 * instance and WeChat allows it 20 times a day, not twice within 30 s.
 */
export async function replaceRejectedToken(state: ClientState, rejected: string): Promise<string | undefined> {
  await dropIfCurrent(state, rejected);
  const fresh = await getAccessToken(state);
  if (fresh !== rejected) return fresh;
  if (state.tokenMode !== 'stable') return undefined;

  const forceInFlight = state.inFlightTokens.get('force');
  if (forceInFlight) return forceInFlight;
  const now = state.clock.now();
  if (state.lastForceRefreshAt !== undefined && now - state.lastForceRefreshAt < state.forceRefreshIntervalMs) {
    state.logger.warn({ tokenMode: state.tokenMode }, 'WeChat keeps returning a rejected token; force refresh used less than 30 s ago, not repeating it');
    return undefined;
  }
  state.lastForceRefreshAt = now;
  await dropIfCurrent(state, rejected);
  return singleFlight(state, 'force', () => refreshToken(state, true));
}

async function dropIfCurrent(state: ClientState, token: string): Promise<void> {
  const cached = await state.tokenStore.get(state.tokenCacheKey);
  if (cached?.accessToken === token) await state.tokenStore.delete(state.tokenCacheKey);
}

async function refreshToken(state: ClientState, forceRefresh: boolean): Promise<string> {
  const token = await fetchAccessToken(state, forceRefresh);
  await state.tokenStore.set(state.tokenCacheKey, token);
  state.logger.info(
    { tokenMode: state.tokenMode, forceRefresh, validUntil: new Date(token.expiresAt).toISOString() },
    'WeChat access token refreshed',
  );
  return token.accessToken;
}

function singleFlight(state: ClientState, kind: 'normal' | 'force', fetch: () => Promise<string>): Promise<string> {
  const existing = state.inFlightTokens.get(kind);
  if (existing) return existing;
  const request = fetch().finally(() => state.inFlightTokens.delete(kind));
  state.inFlightTokens.set(kind, request);
  return request;
}
