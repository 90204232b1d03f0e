import type { Request, Response } from 'express';
import type { Config } from '../config.js';

/** The console's session cookie: holds the session id, nothing else. */
export const CONSOLE_COOKIE = 'leadnotify_console';
/**
 * Its name where it is Secure: a browser accepts a `__Host-` cookie only from this host itself (Secure, Path=/, no
 * Domain), so a sibling subdomain cannot plant one to sign the console in as someone else or keep it signed out.
 */
export const SECURE_CONSOLE_COOKIE = `__Host-${CONSOLE_COOKIE}`;

type CookieConfig = Pick<Config, 'CONSOLE_COOKIE_SECURE'>;

const secureFor = (req: Pick<Request, 'secure'>, config: CookieConfig) => config.CONSOLE_COOKIE_SECURE || req.secure;
const nameFor = (req: Pick<Request, 'secure'>, config: CookieConfig) => (secureFor(req, config) ? SECURE_CONSOLE_COOKIE : CONSOLE_COOKIE);

/**
 * The cookie's value, or undefined; other cookies and malformed pairs are ignored (RFC 6265 §5.2). Over HTTPS only the
 * `__Host-` cookie counts: one of the plain name there may have been set by another subdomain.
 */
export function readConsoleCookie(req: Request, config: CookieConfig): string | undefined {
  const name = nameFor(req, config);
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at).trim() !== name) continue;
    const value = pair.slice(at + 1).trim();
    // Only what the API issues (base64url); anything else is not a session and never reaches the database.
    if (/^[A-Za-z0-9_-]{1,128}$/.test(value)) return value;
  }
  return undefined;
}

/**
 * httpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Path=/ (the console at /console/
 * calls /api), Secure (and named `__Host-`) over HTTPS or when CONSOLE_COOKIE_SECURE forces it; it ends when the
 * session does.
 */
function cookieOptions(req: Request, config: CookieConfig) {
  return { httpOnly: true, sameSite: 'strict' as const, path: '/', secure: secureFor(req, config) };
}

export function setConsoleCookie(req: Request, res: Response, config: CookieConfig, session: { id: string; expiresAt: string }, nowMs: number): void {
  res.cookie(nameFor(req, config), session.id, { ...cookieOptions(req, config), expires: new Date(session.expiresAt), maxAge: Date.parse(session.expiresAt) - nowMs });
}

export function clearConsoleCookie(req: Request, res: Response, config: CookieConfig): void {
  res.clearCookie(nameFor(req, config), cookieOptions(req, config));
}
