import type { LocalWechat } from '@leadnotify/wechat-emulator';
import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BINDING_CODES_PER_USER_HOUR } from '../src/domain/binding-codes.js';
import type { RunningServer } from '../src/server.js';
import { startFakeWechat, type FakeWechat } from './helpers/fake-wechat.js';
import { seeder, type SeededUser } from './helpers/seed.js';
import { createTestApp, wechatEnv, type TestApp } from './helpers/test-app.js';
import { startTestServer } from './helpers/test-server.js';
import { waitFor } from '@leadnotify/test-support';

// jsqr is CommonJS with `exports.default`: under NodeNext the default import is the module object.
const jsQR = jsqr.default;

/** What a phone's camera reads off the code. */
function decodeQr(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

describe('scan to bind: binding codes through the emulator', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let running: RunningServer<LocalWechat>;
  let manager: SeededUser;
  let sales: SeededUser;
  let other: SeededUser;

  let nowMs = Date.now();
  beforeAll(async () => {
    server = await startTestServer({ BINDING_SCENE_TTL_SECONDS: '600' }, 'warn', { now: () => nowMs });
    running = server.running;
    manager = await seeder(running.db).user('manager');
    sales = await seeder(running.db).user('sales');
    other = await seeder(running.db).user('sales');
  });
  afterAll(() => server.stop());

  const get = (path: string, who: SeededUser) => fetch(`${running.url}${path}`, { headers: who.headers });
  const exchange = (scene: string) =>
    fetch(`${running.url}/api/wechat-binding/scene/exchange`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scene }) });
  const callAs = async (openid: string, event: unknown) =>
    (await fetch(`${running.localWechat!.url}/_emulator/miniprogram/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ openid, event }),
    })).json() as Promise<Record<string, unknown>>;

  async function scanMyCode(who: SeededUser): Promise<string> {
    const response = await get('/api/me/wechat-binding-qr', who);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    const text = decodeQr(Buffer.from(await response.arrayBuffer()));
    const match = /^leadnotify-emulator:\/\/pages\/bind\/index\?scene=([0-9A-Za-z]{16})$/.exec(text ?? '');
    expect(match, `the code opens the bind page with a scene: ${text}`).not.toBeNull();
    return decodeURIComponent(match![1]!);
  }

  it('a salesperson scans their code: the scene becomes a ticket once, and the ticket binds their WeChat', async () => {
    const scene = await scanMyCode(sales);

    const exchanged = await exchange(scene);
    expect(exchanged.status).toBe(200);
    const { ticket, crmUserId } = (await exchanged.json()) as { ticket: string; crmUserId: string };
    expect(crmUserId).toBe(sales.id);
    expect(await callAs('openid-scanner', { type: 'bindCrmUser', ticket })).toMatchObject({ ok: true, crmUserId: sales.id });

    const again = await exchange(scene);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('SCENE_USED');
  });

  it('a code scanned after it expired is 410 SCENE_EXPIRED', async () => {
    const scene = await scanMyCode(sales);
    nowMs += 601_000;

    const late = await exchange(scene);

    expect(late.status).toBe(410);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('SCENE_EXPIRED');
    // Back to the function's (real) time, which checks the tickets.
    nowMs = Date.now();
  });

  it('an unknown code is 404 SCENE_INVALID; a malformed one 400', async () => {
    expect((await exchange('NotACodeWeIssued')).status).toBe(404);
    expect((await exchange('x'.repeat(40))).status).toBe(400);
  });

  it('a manager fetches a salesperson\'s code to print; a salesperson may not fetch someone else\'s', async () => {
    const forSales = await get(`/api/users/${sales.id}/wechat-binding-qr`, manager);
    expect(forSales.status).toBe(200);
    expect(decodeQr(Buffer.from(await forSales.arrayBuffer()))).toMatch(/^leadnotify-emulator:\/\/pages\/bind\/index\?scene=/);
    expect((await get(`/api/users/${sales.id}/wechat-binding-qr`, other)).status).toBe(403);
    expect((await get('/api/users/no-such-user/wechat-binding-qr', manager)).status).toBe(404);
  });

  it('a WeChat user bound to one salesperson cannot take a second one\'s code: the second code stays usable', async () => {
    const first = (await (await exchange(await scanMyCode(other))).json()) as { ticket: string };
    expect(await callAs('openid-shared-phone', { type: 'bindCrmUser', ticket: first.ticket })).toMatchObject({ ok: true });

    const secondScene = await scanMyCode(manager);
    const second = (await (await exchange(secondScene)).json()) as { ticket: string };
    expect(await callAs('openid-shared-phone', { type: 'bindCrmUser', ticket: second.ticket })).toMatchObject({ ok: false, error: { code: 'OPENID_BOUND_ELSEWHERE' } });
    expect(await callAs('openid-managers-phone', { type: 'bindCrmUser', ticket: second.ticket })).toMatchObject({ ok: true, crmUserId: manager.id });
  });
});

describe('who gets binding codes, how many, and for how long', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let running: RunningServer<LocalWechat>;
  let nowMs = Date.now();
  beforeAll(async () => {
    server = await startTestServer({ BINDING_SCENE_TTL_SECONDS: '900' }, 'warn', { now: () => nowMs });
    running = server.running;
  });
  afterAll(() => server.stop());

  const request = (path: string, who: SeededUser, method = 'GET') =>
    fetch(`${running.url}${path}`, { method, headers: who.headers, ...(method === 'POST' ? { body: '{}' } : {}) });
  const exchange = (scene: string) =>
    fetch(`${running.url}/api/wechat-binding/scene/exchange`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scene }) });
  const sceneOf = async (response: Response) => /scene=([0-9A-Za-z]{16})$/.exec(decodeQr(Buffer.from(await response.arrayBuffer())) ?? '')![1]!;
  const scenes = () => running.db.kysely.selectFrom('binding_scenes').select(['code', 'user_id', 'expires_at']).execute();

  it('a manager makes codes for salespeople only; an admin for anyone; everyone for themselves', async () => {
    const seed = seeder(running.db);
    const [admin, manager, otherManager, sales] = [await seed.user('admin'), await seed.user('manager'), await seed.user('manager'), await seed.user('sales')];

    expect((await request(`/api/users/${sales.id}/wechat-binding-qr`, manager)).status).toBe(200);
    const forAdmin = await request(`/api/users/${admin.id}/wechat-binding-qr`, manager);
    expect([forAdmin.status, ((await forAdmin.json()) as { error: { code: string } }).error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await request(`/api/users/${otherManager.id}/wechat-binding-qr`, manager)).status).toBe(403);
    expect((await request(`/api/users/${otherManager.id}/wechat-binding-qr`, admin)).status).toBe(200);
    expect((await request('/api/me/wechat-binding-qr', admin)).status).toBe(200);
  });

  it(`at most ${BINDING_CODES_PER_USER_HOUR} codes an hour for one user (429, nothing made); an hour later, again`, async () => {
    const seed = seeder(running.db);
    const [manager, sales] = [await seed.user('manager'), await seed.user('sales')];
    for (let made = 0; made < BINDING_CODES_PER_USER_HOUR; made += 1) expect((await request(`/api/users/${sales.id}/wechat-binding-qr`, manager)).status).toBe(200);

    const refused = await request(`/api/users/${sales.id}/wechat-binding-qr`, manager);
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([429, 'TOO_MANY_BINDING_CODES']);
    expect((await scenes()).filter((scene) => scene.user_id === sales.id)).toHaveLength(BINDING_CODES_PER_USER_HOUR);

    nowMs += 3_600_001;
    expect((await request(`/api/users/${sales.id}/wechat-binding-qr`, manager)).status).toBe(200);
  });

  it('an invite lives validDays; a revoke ends every unused one; codes expired for a day are forgotten', async () => {
    const seed = seeder(running.db);
    const [manager, sales, late] = [await seed.user('manager'), await seed.user('sales'), await seed.user('sales')];
    const shortLived = await sceneOf(await request(`/api/users/${late.id}/wechat-binding-qr`, manager));
    const invite = await request(`/api/users/${sales.id}/wechat-binding-qr?validDays=7`, manager);
    const expiresAt = invite.headers.get('x-binding-code-expires-at');
    const scene = await sceneOf(invite);
    expect(Date.parse(expiresAt!) - nowMs).toBe(7 * 86_400_000);
    expect((await request(`/api/users/${sales.id}/wechat-binding-qr?validDays=15`, manager)).status).toBe(400);

    nowMs += 3 * 86_400_000;
    // Three days on: the short-lived code is forgotten at the next code made, the invite still works until revoked.
    const second = await sceneOf(await request(`/api/users/${sales.id}/wechat-binding-qr?validDays=7`, manager));
    expect((await scenes()).map((row) => row.code)).not.toContain(shortLived);
    expect((await exchange(shortLived)).status).toBe(404);
    const revoked = await request(`/api/users/${sales.id}/wechat-binding/codes/revoke`, manager, 'POST');
    expect(await revoked.json()).toEqual({ userId: sales.id, revoked: 2 });

    expect((await exchange(scene)).status).toBe(410);
    expect((await exchange(second)).status).toBe(410);
  });
});

describe('a salesperson who left: deactivated, then their WeChat released by an admin', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let running: RunningServer<LocalWechat>;
  beforeAll(async () => {
    server = await startTestServer({ NOTIFY_POLL_MS: '50' });
    running = server.running;
  });
  afterAll(() => server.stop());

  const call = async (method: string, path: string, who: SeededUser, body?: unknown) => {
    const response = await fetch(`${running.url}${path}`, { method, headers: who.headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
  };

  it('a deactivated user gets no binding code, and a code made before they left binds nobody', async () => {
    const admin = await seeder(running.db).user('admin');
    const leaving = await seeder(running.db).user('sales');
    const printed = await fetch(`${running.url}/api/users/${leaving.id}/wechat-binding-qr`, { headers: admin.headers });
    const scene = /scene=([0-9A-Za-z]{16})/.exec(decodeQr(Buffer.from(await printed.arrayBuffer())) ?? '')?.[1];
    expect(scene).toBeDefined();
    expect((await call('POST', `/api/users/${leaving.id}/deactivate`, admin, {})).status).toBe(200);

    expect((await call('GET', `/api/users/${leaving.id}/wechat-binding-qr`, admin)).body.error.code).toBe('USER_INACTIVE');
    const exchanged = await fetch(`${running.url}/api/wechat-binding/scene/exchange`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scene }) });
    expect({ status: exchanged.status, code: ((await exchanged.json()) as any).error.code }).toEqual({ status: 422, code: 'USER_INACTIVE' });
  });

  it('an admin releases the WeChat of a salesperson who left: the function forgets it, and the CRM shows them not bound', async () => {
    const admin = await seeder(running.db).user('admin');
    const manager = await seeder(running.db).user('manager');
    const leaving = await seeder(running.db).user('sales');
    await running.localWechat!.setupUser(leaving.id, 5);
    const [customer] = await seeder(running.db).customers(1);
    const assigned = await call('POST', `/api/customers/${customer}/assign`, manager, { assigneeId: leaving.id });
    await waitFor(() => call('GET', `/api/notifications/${assigned.body.notification.id}`, manager), (n) => n.body.status === 'sent', { what: 'the lead delivered' });
    expect((await call('GET', `/api/users/${leaving.id}/reachability`, manager)).body.bound).toBe(true);

    const boundInTheFunction = async () =>
      ((await (await fetch(`${running.localWechat!.url}/_emulator/bindings`)).json()) as { items: Array<{ crmUserId?: string }> }).items.some((binding) => binding.crmUserId === leaving.id);
    expect(await boundInTheFunction()).toBe(true);
    expect((await call('POST', `/api/users/${leaving.id}/wechat-binding/release`, manager, {})).status).toBe(403);
    const released = await call('POST', `/api/users/${leaving.id}/wechat-binding/release`, admin, {});

    expect(released).toEqual({ status: 200, body: { userId: leaving.id, released: true } });
    expect(await boundInTheFunction()).toBe(false);
    expect((await call('GET', `/api/users/${leaving.id}/reachability`, manager)).body).toMatchObject({ bound: false, expected: 'unreachable: NOT_BOUND' });
    expect((await call('POST', `/api/users/${leaving.id}/wechat-binding/release`, admin, {})).body).toEqual({ userId: leaving.id, released: false });
  });
});

describe('binding codes when WeChat refuses to make one', () => {
  let wechat: FakeWechat;
  let t: TestApp;
  afterEach(async () => {
    await t.close();
    await wechat.stop();
  });

  it("45009 from getwxacodeunlimit is WeChat's per-minute limit for codes, not a daily quota: ask again in a minute", async () => {
    wechat = await startFakeWechat();
    t = await createTestApp('sqlite', { ...wechatEnv(wechat.baseUrl), LEADNOTIFY_SHARED_SECRET: 'a-shared-secret-for-binding-tests' });
    const sales = await t.user('sales');
    wechat.queueFault({ kind: 'errcode', errcode: 45009, errmsg: 'reach max api daily quota limit' });

    const response = await t.as(sales).get('/api/me/wechat-binding-qr');

    expect(response.status).toBe(502);
    expect(response.body.error).toMatchObject({ code: 'WECHAT_REFUSED', details: { reason: 'CODE_RATE_LIMITED', errcode: 45009 } });
    expect(response.body.error.message).toMatch(/a minute/);
  });
});
