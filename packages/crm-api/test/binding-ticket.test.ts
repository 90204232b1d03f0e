import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const SECRET = 'binding-secret-for-tests-0123456789abcdef';

describe('POST /api/me/wechat-binding-ticket', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('issues a short-lived ticket for the caller, signed in the format the cloud function verifies', async () => {
    t = await createTestApp('sqlite', { LEADNOTIFY_SHARED_SECRET: SECRET, BINDING_TICKET_TTL_SECONDS: '300' });
    const sales = await t.user('sales');

    const res = await t.as(sales).post('/api/me/wechat-binding-ticket');

    expect(res.status).toBe(201);
    const [version, payload, signature] = res.body.ticket.split('.');
    expect(version).toBe('v1');
    expect(signature).toBe(createHmac('sha256', SECRET).update(`leadnotify-bind.v1.${payload}`).digest('base64url'));
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ uid: sales.id, iat: Math.floor(t.clock.now() / 1000), exp: Math.floor(t.clock.now() / 1000) + 300 });
    expect(claims.nonce).toMatch(/^[\w-]{20,}$/);
    expect(res.body).toMatchObject({ crmUserId: sales.id, expiresAt: new Date((claims.exp as number) * 1000).toISOString() });
  });

  it('each ticket has its own nonce', async () => {
    t = await createTestApp('sqlite', { LEADNOTIFY_SHARED_SECRET: SECRET });
    const sales = await t.user('sales');

    const [a, b] = await Promise.all([t.as(sales).post('/api/me/wechat-binding-ticket'), t.as(sales).post('/api/me/wechat-binding-ticket')]);

    expect(a.body.ticket).not.toBe(b.body.ticket);
  });

  it('answers 503 saying what to configure when no shared secret is set', async () => {
    t = await createTestApp('sqlite');
    const sales = await t.user('sales');

    const res = await t.as(sales).post('/api/me/wechat-binding-ticket');

    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'BINDING_NOT_CONFIGURED' });
    expect(res.body.error.message).toContain('LEADNOTIFY_SHARED_SECRET');
  });

  it('needs a token', async () => {
    t = await createTestApp('sqlite', { LEADNOTIFY_SHARED_SECRET: SECRET });

    expect((await t.http().post('/api/me/wechat-binding-ticket')).status).toBe(401);
  });
});
