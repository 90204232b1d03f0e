import { randomBytes, timingSafeEqual } from 'node:crypto';
import { DAY_MS } from '@leadnotify/contracts';
import type { AppContext } from '../context.js';
import {
  deleteConsoleSessionsEndedBefore,
  deleteSignInLinksExpiredBefore,
  endConsoleSessionRow,
  findConsoleSession,
  findSignInLink,
  insertConsoleSession,
  insertSignInLink,
  useSignInLink,
} from '../db/console-sessions-store.js';
import { findUserRow } from '../db/users-store.js';
import type { Actor } from './actor.js';
import { hashToken } from './api-tokens.js';
import { DomainError } from './errors.js';

const HOUR_MS = 3_600_000;

/** 32 random bytes (256 bits), URL-safe: a session id, CSRF token or link token nobody can guess. */
function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A signed-in console: who, the token its changes must carry, and until when. */
export interface ConsoleSession {
  /** SHA-256 of the cookie's id: what the database knows it by. */
  idHash: string;
  user: Actor;
  csrfToken: string;
  expiresAt: string;
}

/** Ended sessions and expired links are kept this long (a late request is told why), then forgotten. */
const ENDED_KEPT_MS = DAY_MS;

/** A new session for an active user; `id` goes into the cookie and is stored nowhere. */
export async function startConsoleSession(ctx: Pick<AppContext, 'db' | 'config' | 'clock'>, userId: string): Promise<ConsoleSession & { id: string }> {
  const user = await findUserRow(ctx.db.kysely, userId);
  if (!user || user.active !== 1) throw new DomainError({ code: 'USER_INACTIVE', message: 'Only an active user can sign in to the console' });
  const now = ctx.clock.now();
  const id = newSecret();
  const session = {
    idHash: hashToken(id),
    user: { id: user.id, name: user.name, role: user.role },
    csrfToken: newSecret(),
    expiresAt: new Date(now + ctx.config.CONSOLE_SESSION_HOURS * HOUR_MS).toISOString(),
  };
  // Sessions a day past their end no longer answer "expired" or "signed out" but "unknown": the browser signs in again either way.
  await deleteConsoleSessionsEndedBefore(ctx.db.kysely, user.id, new Date(now - ENDED_KEPT_MS).toISOString());
  await insertConsoleSession(ctx.db.kysely, {
    id_hash: session.idHash,
    user_id: user.id,
    csrf_token: session.csrfToken,
    created_at: new Date(now).toISOString(),
    expires_at: session.expiresAt,
    ended_at: null,
  });
  return { ...session, id };
}

/** The session a cookie's id names; 401 when it is unknown, ended, expired, or its user deactivated. */
export async function consoleSessionFor(ctx: Pick<AppContext, 'db' | 'clock'>, id: string): Promise<ConsoleSession> {
  const found = await findConsoleSession(ctx.db.kysely, hashToken(id));
  if (!found) throw new DomainError({ code: 'UNAUTHENTICATED', message: 'The console session is unknown; sign in again' });
  if (found.ended_at) throw new DomainError({ code: 'UNAUTHENTICATED', message: 'The console session was signed out; sign in again', details: { reason: 'ended' } });
  if (found.expires_at <= new Date(ctx.clock.now()).toISOString()) {
    throw new DomainError({ code: 'UNAUTHENTICATED', message: 'The console session expired; sign in again', details: { reason: 'expired' } });
  }
  if (found.active !== 1) throw new DomainError({ code: 'UNAUTHENTICATED', message: 'The user of this console session is deactivated', details: { reason: 'user_deactivated' } });
  return { idHash: found.id_hash, user: { id: found.id, name: found.name, role: found.role }, csrfToken: found.csrf_token, expiresAt: found.expires_at };
}

/** Whether a change request carries the session's CSRF token (compared in constant time). */
export function csrfTokenMatches(session: ConsoleSession, sent: string | undefined): boolean {
  if (sent === undefined) return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(sent);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export async function endConsoleSession(ctx: Pick<AppContext, 'db' | 'clock'>, session: ConsoleSession): Promise<void> {
  await endConsoleSessionRow(ctx.db.kysely, session.idHash, new Date(ctx.clock.now()).toISOString());
}

export interface ConsoleSignInLink {
  /** `<PUBLIC_BASE_URL or http://localhost:PORT>/console/sign-in?link=<token>`: shown once. */
  url: string;
  expiresAt: string;
}

/**
 * A link that signs `userId` in to the console once within CONSOLE_LINK_TTL_MINUTES: how the first admin gets in, and
 * tests. Only its token's hash is stored. `baseUrl` overrides PUBLIC_BASE_URL (pnpm start knows its own address).
 */
export async function createConsoleSignInLink(ctx: Pick<AppContext, 'db' | 'config' | 'clock'>, userId: string, options: { baseUrl?: string } = {}): Promise<ConsoleSignInLink> {
  const user = await findUserRow(ctx.db.kysely, userId);
  if (!user) throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${userId}` });
  if (user.active !== 1) throw new DomainError({ code: 'USER_INACTIVE', message: `${user.name} is deactivated and cannot sign in` });
  const now = ctx.clock.now();
  const token = newSecret();
  const expiresAt = new Date(now + ctx.config.CONSOLE_LINK_TTL_MINUTES * 60_000).toISOString();
  await deleteSignInLinksExpiredBefore(ctx.db.kysely, new Date(now - ENDED_KEPT_MS).toISOString());
  await insertSignInLink(ctx.db.kysely, { token_hash: hashToken(token), user_id: user.id, created_at: new Date(now).toISOString(), expires_at: expiresAt, used_at: null });
  const base = (options.baseUrl ?? ctx.config.PUBLIC_BASE_URL ?? `http://localhost:${ctx.config.PORT}`).replace(/\/+$/, '');
  return { url: `${base}/console/sign-in?link=${token}`, expiresAt };
}

/**
 * Exchanges a sign-in link's token, once, for a session. LINK_INVALID also for a user deactivated since the link was
 * made: the link signs nobody in, and says no more about whom it was for.
 */
export async function redeemConsoleSignInLink(ctx: Pick<AppContext, 'db' | 'config' | 'clock'>, token: string): Promise<ConsoleSession & { id: string }> {
  const tokenHash = hashToken(token);
  const link = await findSignInLink(ctx.db.kysely, tokenHash);
  if (!link) throw new DomainError({ code: 'LINK_INVALID', message: 'This sign-in link is not one the CRM issued' });
  const user = await findUserRow(ctx.db.kysely, link.user_id);
  if (!user || user.active !== 1) throw new DomainError({ code: 'LINK_INVALID', message: 'This sign-in link is for a deactivated user' });
  const userId = await useSignInLink(ctx.db.kysely, tokenHash, new Date(ctx.clock.now()).toISOString());
  if (userId) return startConsoleSession(ctx, userId);
  // Read again: it may have been used a moment ago.
  if ((await findSignInLink(ctx.db.kysely, tokenHash))?.used_at) throw new DomainError({ code: 'LINK_USED', message: 'This sign-in link was already used; ask for a new one' });
  throw new DomainError({ code: 'LINK_EXPIRED', message: 'This sign-in link has expired; ask for a new one' });
}
