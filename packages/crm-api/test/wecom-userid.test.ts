import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, tableCounts, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

/** An admin sets the WeCom (企业微信) userid the second channel reaches a salesperson at. */
describe.each(testEngines())('a user\'s WeCom userid on %s', (engine) => {
  let t: TestApp;
  let admin: TestUser;
  let manager: TestUser;
  let sales: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    t = await createTestApp(engine);
    admin = await t.user('admin');
    manager = await t.user('manager');
    sales = await t.user('sales');
    other = await t.user('sales');
  });
  afterAll(() => t.close());

  it('an admin sets it (stored lower-case, as WeCom compares them), it shows in the user, and null clears it', async () => {
    const set = await t.as(admin).patch(`/api/users/${sales.id}`, { wecomUserId: ' ZhangSan ' });
    expect([set.status, set.body.wecomUserId]).toEqual([200, 'zhangsan']);
    expect((await t.as(manager).get(`/api/users/${sales.id}`)).body.wecomUserId).toBe('zhangsan');
    expect((await t.as(manager).get(`/api/users/${sales.id}/reachability`)).body.wecomUserId).toBe('zhangsan');

    const cleared = await t.as(admin).patch(`/api/users/${sales.id}`, { wecomUserId: null });
    expect(cleared.body.wecomUserId).toBeNull();
  });

  it('one WeCom account serves one CRM user: 409 for a userid another has, whatever its case', async () => {
    await t.as(admin).patch(`/api/users/${sales.id}`, { wecomUserId: 'lisi' });

    const taken = await t.as(admin).patch(`/api/users/${other.id}`, { wecomUserId: 'LiSi' });

    expect([taken.status, taken.body.error.code]).toEqual([409, 'WECOM_USER_ID_TAKEN']);
    expect((await t.as(admin).get(`/api/users/${other.id}`)).body.wecomUserId).toBeNull();
  });

  it('refuses a manager (403), an unknown user (404), a userid WeCom would not take (400), and changes nothing', async () => {
    const before = await tableCounts(t);
    const unchanged = (await t.as(admin).get(`/api/users/${other.id}`)).body;

    expect((await t.as(manager).patch(`/api/users/${other.id}`, { wecomUserId: 'wangwu' })).status).toBe(403);
    expect((await t.as(admin).patch('/api/users/no-such-user', { wecomUserId: 'wangwu' })).status).toBe(404);
    const invalid = await t.as(admin).patch(`/api/users/${other.id}`, { wecomUserId: '王五' });
    expect([invalid.status, invalid.body.error.code, invalid.body.error.details[0].path]).toEqual([400, 'VALIDATION_FAILED', 'wecomUserId']);
    expect((await t.as(admin).patch(`/api/users/${other.id}`, { wecomUserId: 'x'.repeat(65) })).status).toBe(400);
    expect((await t.as(admin).patch(`/api/users/${other.id}`, { name: 'x' })).status).toBe(400);

    expect(await tableCounts(t)).toEqual(before);
    expect((await t.as(admin).get(`/api/users/${other.id}`)).body).toEqual(unchanged);
  });
});
