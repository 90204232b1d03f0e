import { readQrCode, startLocalWechat, type LocalWechat } from '@leadnotify/wechat-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/domain/api-tokens.js';
import { SIGN_IN_SCANS_PER_ADDRESS_MINUTE } from '../src/http/routes/console-routes.js';
import { loggedPath } from '../src/http/request-log.js';
import { consoleCookieOf, consoleSetCookieLine, signInToConsole } from './helpers/console-session.js';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

describe.each(testEngines())('signing in to the console by scanning a mini-program code on %s', (engine) => {
  let emulator: LocalWechat;
  let t: TestApp;
  let admin: TestUser;
  let manager: TestUser;

  beforeAll(async () => {
    emulator = await startLocalWechat({ functionName: 'quickstartFunctions' });
    t = await createTestApp(engine, { ...emulator.env, CONSOLE_SCAN_TTL_SECONDS: '180' });
    admin = await t.user('admin');
    manager = await t.user('manager', '王经理');
  });
  afterAll(async () => {
    await t.close();
    await emulator.stop();
  });
  // Each test starts its own minute: the per-address limit counts every scan this app started.
  beforeEach(() => t.clock.advance(60_000));

  const start = () => t.http().post('/api/console/sign-in/scans').send({});
  const code = (id: string) => t.http().get(`/api/console/sign-in/scans/${id}/code`);
  /** The user as the kit's page is: signed in with the mini program's WeChat session (POST /api/wechat-session). */
  const onPhone = async (who: TestUser): Promise<TestUser> => ({
    ...who,
    token: await createApiToken(t.db, who.id, new Date(t.clock.now()), { wechat: { openid: `openid-of-${who.id}`, ttlSeconds: 3600 } }),
  });
  const confirm = async (scene: string, who: TestUser = manager) => t.as(await onPhone(who)).post('/api/console/sign-in/scans/confirm', { scene });
  const complete = (id: string) => t.http().post(`/api/console/sign-in/scans/${id}/complete`).send({});

  /** A new scan, and the scene a phone's camera reads off its code. */
  async function scanned(): Promise<{ id: string; scene: string }> {
    const started = await start();
    expect(started.status).toBe(201);
    const png = await code(started.body.id);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const text = readQrCode(png.body as Buffer);
    const match = /^leadnotify-emulator:\/\/pages\/console-sign-in\/index\?scene=([0-9A-Za-z]{16})$/.exec(text ?? '');
    expect(match, `the code opens the console sign-in page with a scene: ${text}`).not.toBeNull();
    return { id: started.body.id, scene: decodeURIComponent(match![1]!) };
  }

  it('the browser waits (202) until a phone confirms, then gets a session of the confirming user, once', async () => {
    const started = await start();
    expect(started.body).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresAt: new Date(t.clock.now() + 180_000).toISOString() });
    expect(started.headers['cache-control']).toBe('no-store');
    const { id, scene } = await (async () => {
      const text = readQrCode((await code(started.body.id)).body as Buffer);
      return { id: started.body.id as string, scene: new URLSearchParams(text?.split('?')[1]).get('scene') as string };
    })();

    const waiting = await complete(id);
    expect(waiting.status).toBe(202);
    expect(waiting.body).toEqual({ status: 'waiting' });
    expect(consoleCookieOf(waiting)).toBeUndefined();

    const confirmed = await confirm(scene);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toEqual({ confirmed: true });

    const done = await complete(id);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ user: { id: manager.id, name: '王经理', role: 'manager' } });
    expect(consoleSetCookieLine(done)).toMatch(/; HttpOnly.*; SameSite=Strict/);
    const session = await t.http().get('/api/console/session').set('cookie', consoleCookieOf(done) as string);
    expect(session.body.user).toEqual({ id: manager.id, name: '王经理', role: 'manager' });

    const again = await complete(id);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('SCAN_USED');
    expect(consoleCookieOf(again)).toBeUndefined();
    expect((await code(id)).status).toBe(409);
  });

  it('a scene confirms once: a second phone (or the same) is 409 SCENE_USED, and the first one signs in', async () => {
    const { id, scene } = await scanned();
    const other = await t.user('sales');
    expect((await confirm(scene)).status).toBe(200);

    const second = await confirm(scene, other);

    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('SCENE_USED');
    expect((await complete(id)).body.user.id).toBe(manager.id);
  });

  it('a form on another page cannot complete a sign-in (login CSRF): 415, no cookie, and the scan is still the console\'s to complete', async () => {
    const { id, scene } = await scanned();
    expect((await confirm(scene)).status).toBe(200);

    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const posted = await t.http().post(`/api/console/sign-in/scans/${id}/complete`).set('content-type', type).send('');
      expect([posted.status, posted.body.error?.code, consoleCookieOf(posted)], type).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE', undefined]);
    }
    const bare = await t.http().post(`/api/console/sign-in/scans/${id}/complete`);
    expect(bare.status).toBe(415);

    const console = await complete(id);
    expect([console.status, console.body.user.id]).toEqual([200, manager.id]);
    expect(consoleCookieOf(console)).toBeDefined();
  });

  it('refuses an unknown scene (404 SCENE_INVALID), a malformed one (400), and confirming without the WeChat session', async () => {
    const { scene } = await scanned();
    const unknown = await confirm('NotASceneWeMade1');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('SCENE_INVALID');
    expect((await confirm('x'.repeat(33))).status).toBe(400);
    expect((await t.http().post('/api/console/sign-in/scans/confirm').send({ scene })).status).toBe(401);

    // A signed-in console does not confirm another browser's code: only the phone that scanned it does.
    const console = await signInToConsole(t, admin.id);
    const fromConsole = await console.post('/api/console/sign-in/scans/confirm', { scene });
    expect(fromConsole.status).toBe(403);
    // Nor does an API token (made by an admin or the CLI): it proves no scan by the WeChat the user bound.
    const withApiToken = await t.as(manager).post('/api/console/sign-in/scans/confirm', { scene });
    expect(withApiToken.status).toBe(403);
    expect(withApiToken.body.error.message).toContain('WeChat session');
    expect((await confirm(scene)).status).toBe(200);
  });

  it('after CONSOLE_SCAN_TTL_SECONDS: confirm is 410 SCENE_EXPIRED, the poll and the code 410 SCAN_EXPIRED', async () => {
    const { id, scene } = await scanned();
    t.clock.advance(180_000);

    const late = await confirm(scene);
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe('SCENE_EXPIRED');
    const poll = await complete(id);
    expect(poll.status).toBe(410);
    expect(poll.body.error.code).toBe('SCAN_EXPIRED');
    expect((await code(id)).status).toBe(410);
  });

  it('a confirmed scan not completed in time is 410 too: the browser never gets the session', async () => {
    const { id, scene } = await scanned();
    expect((await confirm(scene)).status).toBe(200);
    t.clock.advance(180_000);

    const poll = await complete(id);

    expect(poll.status).toBe(410);
    expect(consoleCookieOf(poll)).toBeUndefined();
  });

  it('an id the CRM did not issue is 404 SCAN_INVALID, and the answer does not repeat it', async () => {
    const forged = 'A'.repeat(43);
    const poll = await complete(forged);
    expect(poll.status).toBe(404);
    expect(poll.body.error.code).toBe('SCAN_INVALID');
    expect(JSON.stringify(poll.body)).not.toContain(forged);
    expect((await code(forged)).status).toBe(404);
  });

  it('the user who confirmed must still be active when the browser completes: 422 USER_INACTIVE, no cookie', async () => {
    const leaving = await t.user('sales');
    const { id, scene } = await scanned();
    expect((await confirm(scene, leaving)).status).toBe(200);
    expect((await t.as(admin).post(`/api/users/${leaving.id}/deactivate`)).status).toBe(200);

    const poll = await complete(id);

    expect(poll.status).toBe(422);
    expect(poll.body.error.code).toBe('USER_INACTIVE');
    expect(consoleCookieOf(poll)).toBeUndefined();
  });

  it(`an address may start ${SIGN_IN_SCANS_PER_ADDRESS_MINUTE} scans a minute; then 429 with Retry-After until the minute ends`, async () => {
    for (let n = 0; n < SIGN_IN_SCANS_PER_ADDRESS_MINUTE; n++) expect((await start()).status).toBe(201);

    const refused = await start();
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('TOO_MANY_SIGN_IN_SCANS');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not held up by this one.
    expect((await start().set('x-forwarded-for', '203.0.113.7')).status).toBe(201);

    t.clock.advance(60_000);
    expect((await start()).status).toBe(201);
  });

  it('the request log and error answers never hold the scan id', async () => {
    const { id, scene } = await scanned();
    await complete(id);
    await confirm(scene);
    await complete(id);
    await complete(id);
    await t.http().get(`/API/console/sign-in/scans/${id}/CODE`);

    const lines = t.logLines.join('');
    expect(lines).not.toContain(id);
    expect(lines).toContain('"path":"/api/console/sign-in/scans/:id/complete"');
    expect(lines).toContain('"path":"/api/console/sign-in/scans/confirm"');
    expect(loggedPath(`/api/console/sign-in/scans/${id}/code?x=1`)).toBe('/api/console/sign-in/scans/:id/code');
  });
});
