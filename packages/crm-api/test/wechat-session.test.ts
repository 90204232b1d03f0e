import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signInToConsole } from './helpers/console-session.js';
import { startFakeWechat, type FakeWechat } from './helpers/fake-wechat.js';
import { createTestApp, snapshot, wechatEnv, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

const SECRET = 'shared-secret-for-session-tests-0123456789';

/** A vouch as the cloud function's vouchCrmSession signs it (docs/cloud-function.md), written here independently. */
function vouchFor(claims: { uid: string; oid?: string; iat: number; exp?: number; nonce?: string; bat?: string }, secret = SECRET, prefix = 'leadnotify-session.v1.'): string {
  const payload = Buffer.from(
    JSON.stringify({ oid: 'openid-sales', bat: '2026-11-25T01:00:00.000Z', exp: claims.iat + 60, nonce: randomBytes(16).toString('base64url'), ...claims }),
  ).toString('base64url');
  return `v1.${payload}.${createHmac('sha256', secret).update(prefix + payload).digest('base64url')}`;
}

describe.each(testEngines())('sign-in with the WeChat a salesperson bound on %s', (engine) => {
  let wechat: FakeWechat;
  let t: TestApp;
  let admin: TestUser;
  let sales: TestUser;
  const seconds = () => Math.floor(t.clock.now() / 1000);
  const exchange = (vouch: unknown) => t.http().post('/api/wechat-session').send({ vouch });
  const withToken = (token: string) => t.http().get('/api/me').set('authorization', `Bearer ${token}`);

  beforeAll(async () => {
    wechat = await startFakeWechat();
  });
  afterAll(() => wechat.stop());
  beforeEach(async () => {
    wechat.resetFunction();
    t = await createTestApp(engine, { ...wechatEnv(wechat.baseUrl), LEADNOTIFY_SHARED_SECRET: SECRET, WECHAT_SESSION_TTL_SECONDS: '7200' });
    admin = await t.user('admin');
    sales = await t.user('sales', '王五');
  });
  afterEach(() => t.close());

  it('a fresh vouch becomes a 2-hour token of the bound user, recorded as a WeChat session of that openid', async () => {
    const answer = await exchange(vouchFor({ uid: sales.id, iat: seconds() }));

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      token: expect.stringMatching(/^lnk_/),
      expiresAt: new Date(t.clock.now() + 7_200_000).toISOString(),
      user: { id: sales.id, name: '王五', role: 'sales' },
    });
    expect((await withToken(answer.body.token)).body).toMatchObject({ id: sales.id });
    const rows = await t.db.selectFrom('api_tokens').select(['kind', 'openid', 'expires_at']).where('user_id', '=', sales.id).orderBy('created_at').execute();
    expect(rows.map((row) => [row.kind, row.openid])).toEqual([['api', null], ['wechat', 'openid-sales']]);

    t.clock.advance(7_200_000);
    const expired = await withToken(answer.body.token);
    expect(expired.status).toBe(401);
    expect(expired.body.error.details).toEqual({ reason: 'expired' });
  });

  it('a sign-in forgets the sessions of that user a day past expiry, and keeps the others (and the CLI token)', async () => {
    const first = await exchange(vouchFor({ uid: sales.id, iat: seconds() }));
    t.clock.advance(7_200_000 + 86_400_000 - 1000); // first: expired, not yet a day ago
    const second = await exchange(vouchFor({ uid: sales.id, iat: seconds() }));
    const kinds = async () => (await t.db.selectFrom('api_tokens').select('kind').where('user_id', '=', sales.id).orderBy('created_at').execute()).map((row) => row.kind);
    expect(await kinds()).toEqual(['api', 'wechat', 'wechat']);
    expect((await withToken(first.body.token)).body.error.details).toEqual({ reason: 'expired' });

    t.clock.advance(2000);
    await exchange(vouchFor({ uid: sales.id, iat: seconds() }));
    expect(await kinds()).toEqual(['api', 'wechat', 'wechat']);
    const forgotten = await withToken(first.body.token);
    expect(forgotten.status).toBe(401);
    expect(forgotten.body.error.message).toContain('unknown');
    expect((await withToken(second.body.token)).status).toBe(200);
    expect((await withToken(sales.token)).status).toBe(200);
  });

  it('the same vouch a second time is 401 replayed and issues nothing', async () => {
    const vouch = vouchFor({ uid: sales.id, iat: seconds() });
    expect((await exchange(vouch)).status).toBe(200);
    const before = await snapshot(t);

    const again = await exchange(vouch);

    expect(again.status).toBe(401);
    expect(again.body.error).toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'replayed' } });
    expect(await snapshot(t)).toEqual(before);
  });

  /** The vouch of the sales user with its claims changed to name the admin, the signature left as it was. */
  function tampered(): string {
    const [version, payload, signature] = vouchFor({ uid: sales.id, iat: seconds() }).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    return [version, Buffer.from(JSON.stringify({ ...claims, uid: admin.id })).toString('base64url'), signature].join('.');
  }

  it.each([
    ['signed with another secret', (): string => vouchFor({ uid: admin.id, iat: seconds() }, 'another-secret-of-at-least-32-characters!'), 'forged'],
    ['signed as a binding ticket (the bind prefix)', (): string => vouchFor({ uid: admin.id, iat: seconds() }, SECRET, 'leadnotify-bind.v1.'), 'forged'],
    ['with a claim changed after signing', (): string => tampered(), 'forged'],
    ['not three parts', (): string => 'v1.abc', 'malformed'],
  ] as const)('a vouch %s is 401 %s and issues nothing', async (_what, make, reason) => {
    const before = await snapshot(t);

    const answer = await exchange(make());

    expect(answer.status).toBe(401);
    expect(answer.body.error.details).toEqual({ reason });
    expect(JSON.stringify(answer.body)).not.toContain(SECRET);
    expect(await snapshot(t)).toEqual(before);
  });

  it('a vouch exchanged after its 60 seconds is 401 expired; one claiming a longer life is refused as implausible', async () => {
    const vouch = vouchFor({ uid: sales.id, iat: seconds() });
    t.clock.advance(60_000);

    const late = await exchange(vouch);
    const greedy = await exchange(vouchFor({ uid: sales.id, iat: seconds(), exp: seconds() + 3600 }));

    expect([late.status, late.body.error.details]).toEqual([401, { reason: 'expired' }]);
    expect([greedy.status, greedy.body.error.details]).toEqual([401, { reason: 'malformed' }]);
  });

  it('a deactivated salesperson gets no session, and the session they had stops working', async () => {
    const session = (await exchange(vouchFor({ uid: sales.id, iat: seconds() }))).body.token as string;
    expect((await t.as(admin).post(`/api/users/${sales.id}/deactivate`)).status).toBe(200);

    const refused = await exchange(vouchFor({ uid: sales.id, iat: seconds() }));

    expect([refused.status, refused.body.error.details]).toEqual([401, { reason: 'user_deactivated' }]);
    expect((await withToken(session)).body.error.details).toEqual({ reason: 'user_deactivated' });
  });

  it("an admin's release of the binding revokes the WeChat sessions and console sessions (not the CLI's tokens) and refuses a vouch issued before it", async () => {
    wechat.setFunction((event) => (event.type === 'releaseBinding' ? { ok: true, released: true } : { ok: false, error: { code: 'UNKNOWN_TYPE', message: '' } }));
    const session = (await exchange(vouchFor({ uid: sales.id, iat: seconds() }))).body.token as string;
    // A browser signed in to the console (a scan from that phone, say): the lost phone's reach ends with the release.
    const console = await signInToConsole(t, sales.id);
    const issuedBefore = vouchFor({ uid: sales.id, iat: seconds() });
    t.clock.advance(5_000);

    expect((await t.as(admin).post(`/api/users/${sales.id}/wechat-binding/release`)).status).toBe(200);

    const revoked = await withToken(session);
    expect([revoked.status, revoked.body.error.details]).toEqual([401, { reason: 'revoked' }]);
    const signedOut = await console.get('/api/me');
    expect([signedOut.status, signedOut.body.error.details]).toEqual([401, { reason: 'ended' }]);
    expect((await t.as(sales).get('/api/me')).status).toBe(200);
    const stale = await exchange(issuedBefore);
    expect([stale.status, stale.body.error.details]).toEqual([401, { reason: 'binding_released' }]);
    // Bound again later, the function vouches anew and the salesperson signs in.
    t.clock.advance(120_000);
    expect((await exchange(vouchFor({ uid: sales.id, iat: seconds() }))).status).toBe(200);
  });

  it('the mini program ends its sessions (after it unbound): its tokens are revoked, the CLI token stays', async () => {
    const session = (await exchange(vouchFor({ uid: sales.id, iat: seconds() }))).body.token as string;

    const ended = await t.http().post('/api/wechat-session/end').set('authorization', `Bearer ${session}`).send({});

    expect([ended.status, ended.body]).toEqual([200, { ended: 1 }]);
    expect((await withToken(session)).body.error.details).toEqual({ reason: 'revoked' });
    expect((await t.as(sales).get('/api/me')).status).toBe(200);
  });

  it('a vouch for a user the CRM does not have is 401 unknown_user; a body without a vouch is 400', async () => {
    const unknown = await exchange(vouchFor({ uid: 'no-such-user', iat: seconds() }));
    const empty = await t.http().post('/api/wechat-session').send({});

    expect([unknown.status, unknown.body.error.details]).toEqual([401, { reason: 'unknown_user' }]);
    expect([empty.status, empty.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('sign-in without LEADNOTIFY_SHARED_SECRET', () => {
  it('is 503 BINDING_NOT_CONFIGURED', async () => {
    const t = await createTestApp('sqlite');
    try {
      const answer = await t.http().post('/api/wechat-session').send({ vouch: 'v1.a.b' });
      expect([answer.status, answer.body.error.code]).toEqual([503, 'BINDING_NOT_CONFIGURED']);
    } finally {
      await t.close();
    }
  });
});
