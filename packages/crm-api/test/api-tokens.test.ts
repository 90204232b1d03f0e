import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

describe.each(testEngines())('API token lifecycle on %s', (engine) => {
  let t: TestApp;
  let admin: TestUser;
  let sales: TestUser;

  beforeEach(async () => {
    t = await createTestApp(engine);
    admin = await t.user('admin');
    sales = await t.user('sales');
  });
  afterEach(() => t.close());

  async function tokenOf(user: TestUser) {
    const listed = await t.as(admin).get(`/api/tokens?userId=${user.id}`);
    return listed.body.items[0] as { id: string; expiresAt: string; revokedAt: string | null; lastUsedAt: string | null };
  }

  it('a token expires after 90 days by default and then answers 401 saying it expired', async () => {
    const token = await tokenOf(sales);
    expect(Date.parse(token.expiresAt) - t.clock.now()).toBeGreaterThan(89.9 * 86_400_000);

    t.clock.set(Date.parse(token.expiresAt) - 1);
    const before = await t.as(sales).get('/api/me');
    t.clock.set(Date.parse(token.expiresAt));
    const after = await t.as(sales).get('/api/me');

    expect(before.status).toBe(200);
    expect([after.status, after.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(after.body.error.message).toContain('expired');
  });

  it('an admin lists and revokes one token; it then answers 401 saying it was revoked, other tokens still work', async () => {
    const token = await tokenOf(sales);

    const revoked = await t.as(admin).post(`/api/tokens/${token.id}/revoke`);
    const refused = await t.as(sales).get('/api/me');

    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect([refused.status, refused.body.error.message]).toEqual([401, expect.stringContaining('revoked')]);
    expect((await t.as(admin).get('/api/me')).status).toBe(200);
    expect((await t.as(admin).post('/api/tokens/no-such-token/revoke')).status).toBe(404);
    expect((await t.as(sales).get('/api/tokens')).status).toBe(401);
  });

  it('only admins list or revoke tokens', async () => {
    const manager = await t.user('manager');
    const token = await tokenOf(sales);

    expect((await t.as(manager).get('/api/tokens')).status).toBe(403);
    expect((await t.as(manager).post(`/api/tokens/${token.id}/revoke`)).status).toBe(403);
  });

  it('records the last use at most once a minute, not on every request', async () => {
    expect((await tokenOf(sales)).lastUsedAt).toBeNull();

    await t.as(sales).get('/api/me');
    const first = (await tokenOf(sales)).lastUsedAt;
    t.clock.advance(30_000);
    await t.as(sales).get('/api/me');
    const withinTheMinute = (await tokenOf(sales)).lastUsedAt;
    t.clock.advance(31_000);
    await t.as(sales).get('/api/me');
    const afterTheMinute = (await tokenOf(sales)).lastUsedAt;

    expect(first).toEqual(expect.any(String));
    expect(withinTheMinute).toBe(first);
    expect(Date.parse(afterTheMinute!)).toBe(t.clock.now());
  });

  it('API_TOKEN_TTL_DAYS is at most ten years: a "never" of millions of days would write a year no ISO comparison orders', () => {
    expect(loadConfig({ API_TOKEN_TTL_DAYS: '3650' }).API_TOKEN_TTL_DAYS).toBe(3650);
    expect(() => loadConfig({ API_TOKEN_TTL_DAYS: '3000000' })).toThrow(/API_TOKEN_TTL_DAYS/);
  });

  it('a token created with a shorter lifetime (the CLI passes API_TOKEN_TTL_DAYS) expires then; others keep theirs', async () => {
    const { createApiToken } = await import('../src/domain/api-tokens.js');
    await createApiToken(t.db, sales.id, new Date(t.clock.now()), { ttlDays: 1 });
    const tokens = (await t.as(admin).get(`/api/tokens?userId=${sales.id}`)).body.items as Array<{ expiresAt: string }>;

    expect(tokens.map((token) => Math.round((Date.parse(token.expiresAt) - t.clock.now()) / 86_400_000)).sort()).toEqual([1, 90]);
  });
});
