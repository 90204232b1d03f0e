import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../src/domain/actor.js';
import { listApiTokens, revokeApiToken } from '../src/domain/api-tokens.js';
import { createUser, deactivateUser, getUser, listUsers } from '../src/domain/users.js';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';

/** Who may manage users and tokens is decided by the domain functions themselves, whoever calls them. */
describe('user and token management, called directly', () => {
  let t: TestApp;
  let admin: TestUser;
  let manager: TestUser;
  let sales: TestUser;

  beforeEach(async () => {
    t = await createTestApp('sqlite');
    admin = await t.user('admin');
    manager = await t.user('manager');
    sales = await t.user('sales');
  });
  afterEach(() => t.close());

  it('a manager cannot create or deactivate users, nor list or revoke tokens; a sales user cannot list users', async () => {
    const forbidden = { name: 'DomainError', code: 'FORBIDDEN' };

    await expect(createUser(t.ctx, manager, { name: '赵六', role: 'sales' })).rejects.toMatchObject({ ...forbidden, message: 'Your role (manager) may not create users' });
    await expect(deactivateUser(t.ctx, manager, sales.id)).rejects.toMatchObject(forbidden);
    await expect(listApiTokens(t.ctx, manager, {})).rejects.toMatchObject(forbidden);
    const [token] = await listApiTokens(t.ctx, admin, { userId: sales.id });
    await expect(revokeApiToken(t.ctx, manager, token!.id)).rejects.toMatchObject(forbidden);
    await expect(listUsers(t.ctx, sales, {})).rejects.toMatchObject(forbidden);

    expect((await getUser(t.ctx, sales, sales.id)).active).toBe(true);
    expect((await listApiTokens(t.ctx, admin, { userId: sales.id }))[0]?.revokedAt).toBeNull();
  });

  it('a sales user reads only themselves; managers read anyone', async () => {
    await expect(getUser(t.ctx, sales, manager.id)).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'Your role (sales) may not read other users' });
    expect((await getUser(t.ctx, sales, sales.id)).id).toBe(sales.id);
    expect((await getUser(t.ctx, manager, sales.id)).id).toBe(sales.id);
  });

  it('an admin cannot deactivate themselves, and stays active', async () => {
    await expect(deactivateUser(t.ctx, admin, admin.id)).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'You cannot deactivate yourself; ask another admin' });

    expect((await getUser(t.ctx, admin, admin.id)).active).toBe(true);
  });

  it('the operator (CLI, start-up, seeds) acts as an admin: creates, lists, reads and deactivates users, lists and revokes tokens', async () => {
    t.clock.advance(1);
    const created = await createUser(t.ctx, OPERATOR, { name: '赵六', role: 'sales' });
    const deactivated = await deactivateUser(t.ctx, OPERATOR, created.id);
    const [token] = await listApiTokens(t.ctx, OPERATOR, { userId: sales.id });
    const revoked = await revokeApiToken(t.ctx, OPERATOR, token!.id);

    expect((await listUsers(t.ctx, OPERATOR, {})).map((user) => user.id)).toEqual([admin.id, manager.id, sales.id, created.id]);
    expect(deactivated.active).toBe(false);
    expect((await getUser(t.ctx, OPERATOR, created.id)).active).toBe(false);
    expect(revoked.revokedAt).toBe(new Date(t.clock.now()).toISOString());
  });
});
