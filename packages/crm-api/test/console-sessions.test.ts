import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleSignInLink } from '../src/domain/console-sessions.js';
import { consoleCookieOf, consoleSetCookieLine, linkTokenOf, signInToConsole } from './helpers/console-session.js';
import { createTestApp, tableCounts, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;

describe.each(testEngines())('console sessions and sign-in links on %s', (engine) => {
  let t: TestApp;
  let admin: TestUser;
  let manager: TestUser;

  beforeAll(async () => {
    t = await createTestApp(engine, { PUBLIC_BASE_URL: 'https://crm.example.com/' });
    admin = await t.user('admin');
    manager = await t.user('manager');
  });
  afterAll(() => t.close());
  /** What the console's sign-in page sends when the person clicks 登录 on a link's page. */
  const signIn = (url: string) => t.http().post('/api/console/sign-in/links').send({ link: linkTokenOf(url) });

  it('opening a sign-in link spends nothing: it goes to the console, which signs in when the person clicks', async () => {
    const link = await createConsoleSignInLink(t.ctx, manager.id);
    expect(link.url).toMatch(/^https:\/\/crm\.example\.com\/console\/sign-in\?link=[A-Za-z0-9_-]{43}$/);

    // A mail scanner or a link preview fetches it, as often as it likes.
    for (let fetch = 0; fetch < 2; fetch++) {
      const opened = await t.http().get(pathOf(link.url));
      expect([opened.status, opened.headers.location, consoleCookieOf(opened)]).toEqual([303, `/console/#/sign-in?link=${linkTokenOf(link.url)}`, undefined]);
    }
    expect((await signIn(link.url)).status).toBe(200);
  });

  it('a sign-in link sets an httpOnly, SameSite=Strict cookie for CONSOLE_SESSION_HOURS', async () => {
    const link = await createConsoleSignInLink(t.ctx, manager.id);

    const opened = await signIn(link.url);

    expect([opened.status, opened.body]).toEqual([200, { user: { id: manager.id, name: manager.name, role: 'manager' } }]);
    const line = consoleSetCookieLine(opened) as string;
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Strict/);
    expect(line).toMatch(/; Path=\//);
    expect(line).toMatch(/; Max-Age=43200/);
    expect(line).not.toMatch(/; Secure/);
    const session = await t.http().get('/api/console/session').set('cookie', consoleCookieOf(opened) as string);
    expect(session.status).toBe(200);
    expect(session.body).toEqual({
      user: { id: manager.id, name: manager.name, role: 'manager' },
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: new Date(t.clock.now() + 12 * 3_600_000).toISOString(),
    });
  });

  it('the cookie is Secure when the request came over HTTPS through the local proxy', async () => {
    const link = await createConsoleSignInLink(t.ctx, manager.id);

    const opened = await signIn(link.url).set('x-forwarded-proto', 'https');

    expect(consoleSetCookieLine(opened)).toMatch(/^__Host-leadnotify_console=[A-Za-z0-9_-]{43};.*; Path=\/;.*; Secure/);
    expect(consoleSetCookieLine(opened)).not.toMatch(/Domain=/i);
  });

  it('over HTTPS only the __Host- cookie counts: one of the plain name (set by a sibling subdomain, say) is no session', async () => {
    const link = await createConsoleSignInLink(t.ctx, manager.id);
    const id = (consoleCookieOf(await signIn(link.url)) as string).split('=')[1] as string;
    const overHttps = (cookie: string) => t.http().get('/api/console/session').set('x-forwarded-proto', 'https').set('cookie', cookie);

    // A planted plain cookie first, then a broken __Host- one, then the real one: the real one is found.
    expect((await overHttps(`leadnotify_console=${id}`)).status).toBe(401);
    expect((await overHttps(`leadnotify_console=planted; __Host-leadnotify_console=not*valid; __Host-leadnotify_console=${id}`)).status).toBe(200);
    // Over plain HTTP (local development) the plain name is the cookie.
    expect((await t.http().get('/api/console/session').set('cookie', `leadnotify_console=${id}`)).status).toBe(200);
  });

  it('a link signs in once; then LINK_USED, after its minutes LINK_EXPIRED, unknown LINK_INVALID; never from a form', async () => {
    const link = await createConsoleSignInLink(t.ctx, manager.id);
    const form = await t.http().post('/api/console/sign-in/links').set('content-type', 'application/x-www-form-urlencoded').send(`link=${linkTokenOf(link.url)}`);
    expect([form.status, consoleCookieOf(form)]).toEqual([415, undefined]);
    expect((await signIn(link.url)).status).toBe(200);

    const again = await signIn(link.url);
    expect([again.status, again.body.error.code, consoleCookieOf(again)]).toEqual([409, 'LINK_USED', undefined]);

    const late = await createConsoleSignInLink(t.ctx, manager.id);
    t.clock.advance(10 * 60_000);
    expect((await signIn(late.url)).body.error.code).toBe('LINK_EXPIRED');

    expect((await t.http().post('/api/console/sign-in/links').send({ link: 'not-one-we-made' })).body.error.code).toBe('LINK_INVALID');
    expect((await t.http().get('/console/sign-in')).headers.location).toBe('/console/#/sign-in?error=LINK_INVALID');
  });

  it("a deactivated user's link signs nobody in and their open session stops working", async () => {
    const leaving = await t.user('sales');
    const console = await signInToConsole(t, leaving.id);
    const link = await createConsoleSignInLink(t.ctx, leaving.id);

    await t.as(admin).post(`/api/users/${leaving.id}/deactivate`);

    expect((await signIn(link.url)).body.error.code).toBe('LINK_INVALID');
    const refused = await console.get('/api/console/session');
    expect(refused.status).toBe(401);
    expect(refused.body.error.details).toEqual({ reason: 'user_deactivated' });
    await expect(createConsoleSignInLink(t.ctx, leaving.id)).rejects.toMatchObject({ code: 'USER_INACTIVE' });
  });

  it('a session ends after CONSOLE_SESSION_HOURS: 401, and the cookie is cleared', async () => {
    const console = await signInToConsole(t, manager.id);
    t.clock.advance(12 * 3_600_000 - 1);
    expect((await console.get('/api/me')).status).toBe(200);

    t.clock.advance(1);
    const expired = await console.get('/api/me');

    expect(expired.status).toBe(401);
    expect(expired.body.error.details).toEqual({ reason: 'expired' });
    expect(consoleSetCookieLine(expired)).toMatch(/^leadnotify_console=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('the cookie carries the role rules of its user, as a bearer token does', async () => {
    const sales = await t.user('sales');
    const console = await signInToConsole(t, sales.id);

    expect((await console.get('/api/me')).body).toMatchObject({ id: sales.id, role: 'sales' });
    expect((await console.get('/api/users')).status).toBe(403);
  });

  it('a change with the cookie but without X-CSRF-Token (or with a wrong one) is refused with 403 and changes nothing', async () => {
    const console = await signInToConsole(t, manager.id);
    const before = await tableCounts(t);

    for (const token of [undefined, 'wrong', `${console.csrfToken}x`]) {
      const request = t.http().post('/api/customers').set('cookie', console.cookie);
      const res = await (token === undefined ? request : request.set('x-csrf-token', token)).send({ name: '跨站客户' });
      expect(res.status, String(token)).toBe(403);
      expect(res.body.error.code).toBe('CSRF_REJECTED');
    }
    expect(await tableCounts(t)).toEqual(before);

    const created = await console.post('/api/customers', { name: '控制台客户' });
    expect(created.status).toBe(201);
  });

  it('sign-out needs the CSRF token, ends the session and clears the cookie', async () => {
    const console = await signInToConsole(t, manager.id);

    const forged = await t.http().post('/api/console/sign-out').set('cookie', console.cookie);
    expect(forged.status).toBe(403);
    expect((await console.get('/api/console/session')).status).toBe(200);

    const out = await console.post('/api/console/sign-out');
    expect(out.status).toBe(204);
    expect(consoleSetCookieLine(out)).toMatch(/^leadnotify_console=;/);
    const after = await console.get('/api/console/session');
    expect(after.status).toBe(401);
    expect(after.body.error.details).toEqual({ reason: 'ended' });
  });

  it('a bearer token has no console session, and wins over a cookie', async () => {
    const res = await t.as(admin).get('/api/console/session');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');

    const console = await signInToConsole(t, manager.id);
    const both = await t.as(admin).get('/api/me').set('cookie', console.cookie);
    expect(both.body.id).toBe(admin.id);
  });

  it('neither the link token nor the session id is written to the log', async () => {
    const link = await createConsoleSignInLink(t.ctx, manager.id);
    const token = new URL(link.url).searchParams.get('link') as string;
    await t.http().get(pathOf(link.url));
    const opened = await signIn(link.url);
    const id = (consoleCookieOf(opened) as string).split('=')[1] as string;
    await t.http().get('/api/me').set('cookie', `leadnotify_console=${id}`);

    const log = t.logLines.join('');
    expect(log).toContain('/console/sign-in');
    expect(log).not.toContain(token);
    expect(log).not.toContain(id);
  });

  it("a day after a user's sessions ended (expired or signed out), their next sign-in forgets them; links a day past expiry go too", async () => {
    // An app of its own: the sessions and links the other tests left would be forgotten along the way.
    const own = await createTestApp(engine);
    try {
      const [admin, manager] = [await own.user('admin'), await own.user('manager')];
      const sessionsOf = async (userId: string) => (await own.db.selectFrom('console_sessions').select('expires_at').where('user_id', '=', userId).execute()).length;
      const links = async () => (await own.db.selectFrom('console_sign_in_links').select('token_hash').execute()).length;
      const signedOut = await signInToConsole(own, admin.id);
      expect((await signedOut.post('/api/console/sign-out')).status).toBe(204);
      await signInToConsole(own, admin.id);
      await signInToConsole(own, manager.id);
      expect([await sessionsOf(admin.id), await links()]).toEqual([2, 3]);

      // The signed-out session ended 36 h ago: forgotten; the other expired a second short of a day ago: kept. The
      // links expired 10 minutes after they were made: forgotten.
      own.clock.advance(12 * 3_600_000 + 24 * 3_600_000 - 1000);
      await signInToConsole(own, admin.id);
      expect([await sessionsOf(admin.id), await links()]).toEqual([2, 1]);

      own.clock.advance(2000);
      const current = await signInToConsole(own, admin.id);
      expect(await sessionsOf(admin.id)).toBe(2); // the previous sign-in's and this one
      expect(await sessionsOf(manager.id)).toBe(1); // a sign-in forgets only its own user's
      expect(await links()).toBe(2);
      expect((await current.get('/api/me')).status).toBe(200);
    } finally {
      await own.close();
    }
  });
});

describe('CONSOLE_COOKIE_SECURE', () => {
  it('true makes the cookie Secure over plain HTTP too', async () => {
    const t = await createTestApp('sqlite', { CONSOLE_COOKIE_SECURE: 'true' });
    try {
      const user = await t.user('manager');
      const link = await createConsoleSignInLink(t.ctx, user.id);
      expect(consoleSetCookieLine(await t.http().post('/api/console/sign-in/links').send({ link: linkTokenOf(link.url) }))).toMatch(/; Secure/);
    } finally {
      await t.close();
    }
  });
});
