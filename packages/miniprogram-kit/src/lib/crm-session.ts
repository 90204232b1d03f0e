import { apiErrorCode, apiFailure, send } from './api-failure.js';
import { callFunctionEvent, type CallFunction } from './call-function.js';
import type { KitRequest } from './kit-config.js';
import { KitError } from './kit-error.js';

/** Where the kit keeps the session between pages and launches (wx storage: per mini program and WeChat user). */
export const SESSION_STORAGE_KEY = 'leadnotify-crm-session';
export const WECHAT_SESSION_PATH = '/api/wechat-session';
export const WECHAT_SESSION_END_PATH = '/api/wechat-session/end';
/** Renewed this long before it ends, so a page never sends a token that expires on the way. */
export const RENEW_BEFORE_MS = 5 * 60_000;

/** The slice of wx storage the session uses (wx.getStorageSync, setStorageSync, removeStorageSync). */
export interface KitStorage {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  remove(key: string): void;
}

export interface CrmSessionDeps {
  callFunction: CallFunction;
  functionName: string;
  /** The host's request function; the session adds the token to each call. */
  request: KitRequest;
  storage: KitStorage;
  now(): number;
}

export interface SignedInUser {
  id: string;
  name: string;
  role: string;
}

interface StoredSession {
  token: string;
  expiresAt: string;
  user: SignedInUser;
}

export interface CrmSession {
  /** The host's request with the session's token: signs in first when needed, and once more on a 401. */
  request: KitRequest;
  /** The signed-in user, signing in when there is no session or it is about to end. */
  signIn(): Promise<SignedInUser>;
  /** Forgets the session on this phone (after a bind: the WeChat may now be another CRM user's). */
  forget(): void;
  /** Ends this WeChat's sessions on the CRM too (before unbinding it), then forgets; failures only logged. */
  end(): Promise<void>;
}

function readStored(value: unknown): StoredSession | undefined {
  const session = value as Partial<StoredSession> | null | undefined;
  if (typeof session?.token !== 'string' || typeof session.expiresAt !== 'string' || typeof session.user?.id !== 'string') return undefined;
  return session as StoredSession;
}

/**
 * Signs the mini program in to the CRM as the CRM user its WeChat is bound to, without anything typed: the cloud
 * function vouches for the caller (vouchCrmSession, from WeChat's own OPENID), the CRM exchanges the vouch for a
 * short-lived token (POST /api/wechat-session), and the token is kept in storage and renewed before it ends. Concurrent
 * callers share one sign-in. A WeChat bound to nobody is KitError NOT_BOUND.
 */
export function createCrmSession(deps: CrmSessionDeps): CrmSession {
  let signingIn: Promise<StoredSession> | undefined;

  const stored = (): StoredSession | undefined => readStored(deps.storage.get(SESSION_STORAGE_KEY));

  async function exchangeVouch(): Promise<StoredSession> {
    const { vouch } = await callFunctionEvent(deps.callFunction, deps.functionName, { type: 'vouchCrmSession' }, ['NOT_BOUND']);
    if (typeof vouch !== 'string') throw new KitError({ code: 'SERVICE_ERROR', message: 'vouchCrmSession: the answer has no vouch' });
    const what = `POST ${WECHAT_SESSION_PATH}`;
    const response = await send(what, () => deps.request({ method: 'POST', path: WECHAT_SESSION_PATH, data: { vouch } }));
    if (response.statusCode >= 200 && response.statusCode < 300) {
      const session = readStored(response.data);
      if (!session) throw new KitError({ code: 'SERVICE_ERROR', message: `${what}: the answer has no token` });
      const kept: StoredSession = { token: session.token, expiresAt: session.expiresAt, user: { id: session.user.id, name: String(session.user.name), role: String(session.user.role) } };
      deps.storage.set(SESSION_STORAGE_KEY, kept);
      return kept;
    }
    const reason = (response.data as { error?: { details?: { reason?: unknown } } } | null)?.error?.details?.reason;
    // The function still had the binding a moment ago, but an admin has released it since: as good as not bound.
    if (response.statusCode === 401 && reason === 'binding_released') {
      throw new KitError({ code: 'NOT_BOUND', message: `${what}: HTTP 401 (${apiErrorCode(response.data) ?? ''} binding_released)` });
    }
    throw apiFailure(what, response);
  }

  function signInAgain(): Promise<StoredSession> {
    signingIn ??= exchangeVouch().finally(() => {
      signingIn = undefined;
    });
    return signingIn;
  }

  async function current(): Promise<StoredSession> {
    const session = stored();
    if (session && Date.parse(session.expiresAt) - deps.now() > RENEW_BEFORE_MS) return session;
    return signInAgain();
  }

  const request: KitRequest = async (options) => {
    const session = await current();
    const response = await deps.request({ ...options, token: session.token });
    if (response.statusCode !== 401) return response;
    // Revoked or ended early (an admin released the binding, the clocks differ): sign in again, once. A caller whose
    // 401 comes after another caller already signed in again uses that session instead of making a third.
    const now = stored();
    const renewed = now && now.token !== session.token ? now : await signInAgain();
    return deps.request({ ...options, token: renewed.token });
  };

  return {
    request,
    signIn: async () => (await current()).user,
    forget: () => deps.storage.remove(SESSION_STORAGE_KEY),
    async end() {
      const session = stored();
      deps.storage.remove(SESSION_STORAGE_KEY);
      if (!session) return;
      await send(`POST ${WECHAT_SESSION_END_PATH}`, () => deps.request({ method: 'POST', path: WECHAT_SESSION_END_PATH, data: {}, token: session.token })).catch((thrown: unknown) =>
        console.warn('leadnotify kit: ending the CRM session failed', thrown instanceof Error ? thrown.message : thrown),
      );
    },
  };
}
