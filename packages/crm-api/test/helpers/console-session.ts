import supertest from 'supertest';
import { expect } from 'vitest';
import { createConsoleSignInLink } from '../../src/domain/console-sessions.js';
import type { TestApp } from './test-app.js';

/** Whether a Set-Cookie line is the console's (`leadnotify_console`, or `__Host-leadnotify_console` where Secure). */
const isConsoleCookie = (line: string) => /^(__Host-)?leadnotify_console=/.test(line);

/** The `name=value` of the console cookie a response sets, or undefined. */
export function consoleCookieOf(res: supertest.Response): string | undefined {
  const header = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find(isConsoleCookie);
  return header?.split(';', 1)[0];
}

/** The whole Set-Cookie line of the console cookie. */
export function consoleSetCookieLine(res: supertest.Response): string | undefined {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []).find(isConsoleCookie);
}

/** The token of a printed sign-in link (`…/console/sign-in?link=<token>`). */
export const linkTokenOf = (url: string) => new URL(url).searchParams.get('link') as string;

/** Signs a user in to the console the way a browser does: through a one-time link, clicked. Requests carry the cookie. */
export async function signInToConsole(t: TestApp, userId: string) {
  const link = await createConsoleSignInLink(t.ctx, userId);
  const opened = await t.http().post('/api/console/sign-in/links').send({ link: linkTokenOf(link.url) });
  expect(opened.status).toBe(200);
  const cookie = consoleCookieOf(opened) as string;
  const session = await t.http().get('/api/console/session').set('cookie', cookie);
  expect(session.status).toBe(200);
  const csrfToken = session.body.csrfToken as string;
  return {
    cookie,
    csrfToken,
    get: (path: string) => supertest(t.app).get(path).set('cookie', cookie),
    /** With the CSRF token, as the console sends every change. */
    post: (path: string, body: object = {}) => supertest(t.app).post(path).set('cookie', cookie).set('x-csrf-token', csrfToken).send(body),
  };
}
