import type { Request, Response } from 'express';
import type { Config } from '../config.js';

/** The console's session cookie: holds the session id, nothing else. */
export const CONSOLE_COOKIE = 'leadnotify_console';

/** The cookie's value, or undefined; other cookies and malformed pairs are ignored (RFC 6265 §5.2). */
export function readConsoleCookie(req: Request): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at).trim() !== CONSOLE_COOKIE) continue;
    const value = pair.slice(at + 1).trim();
    // Only what the API issues (base64url); anything else is not a session and never reaches the database.
    return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * httpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Path=/ (the console at /console/
 * calls /api), Secure over HTTPS or when CONSOLE_COOKIE_SECURE forces it; it ends when the session does.
 */
function cookieOptions(req: Request, config: Pick<Config, 'CONSOLE_COOKIE_SECURE'>) {
  return { httpOnly: true, sameSite: 'strict' as const, path: '/', secure: config.CONSOLE_COOKIE_SECURE || req.secure };
}

export function setConsoleCookie(req: Request, res: Response, config: Pick<Config, 'CONSOLE_COOKIE_SECURE'>, session: { id: string; expiresAt: string }, nowMs: number): void {
  res.cookie(CONSOLE_COOKIE, session.id, { ...cookieOptions(req, config), expires: new Date(session.expiresAt), maxAge: Date.parse(session.expiresAt) - nowMs });
}

export function clearConsoleCookie(req: Request, res: Response, config: Pick<Config, 'CONSOLE_COOKIE_SECURE'>): void {
  res.clearCookie(CONSOLE_COOKIE, cookieOptions(req, config));
}
