import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';
import { startTestServer } from './helpers/test-server.js';

describe('server timeouts', () => {
  it('a client that sends the headers and half a body is cut off with 408, not held open for minutes', async () => {
    const server = await startTestServer({ WECHAT_EMULATOR: 'off', HTTP_REQUEST_TIMEOUT_MS: '500', HTTP_HEADERS_TIMEOUT_MS: '500' });
    const { port } = new URL(server.running.url);
    try {
      const started = Date.now();
      const answer = await new Promise<{ text: string; closedAfterMs: number }>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write('POST /api/customers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":');
        });
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }));
        socket.on('error', reject);
        setTimeout(() => reject(new Error('the stalled request was still open after 5 s')), 5_000).unref();
      });

      expect(answer.text).toMatch(/^HTTP\/1\.1 408/);
      expect(answer.closedAfterMs).toBeLessThan(3_000);
    } finally {
      await server.stop();
    }
  });
});

describe('security headers', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
    user = await t.user('sales');
  });
  afterAll(() => t.close());

  it('authenticated JSON is nosniff and never cached', async () => {
    const res = await t.as(user).get('/api/me');

    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('/docs works under the CSP: its scripts and styles are same-origin files, none inline', async () => {
    const page = await t.http().get('/docs');
    const csp = page.headers['content-security-policy'] as string;
    const scripts = [...page.text.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];

    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body!.trim()).toBe('');
      expect(attributes).toMatch(/src="\/docs\//);
    }
    expect((await t.http().get('/docs/init.js')).status).toBe(200);
    expect((await t.http().get('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
  });
});

describe('failed-authentication throttle', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_SECONDS: '60' });
    user = await t.user('sales');
  });
  afterAll(() => t.close());

  it('after AUTH_FAILURE_LIMIT failures an address gets 429 with Retry-After, even with a good token, until the window ends', async () => {
    const failures = [];
    for (let attempt = 0; attempt < 3; attempt++) failures.push((await t.http().get('/api/me').set('authorization', `Bearer lnk_guess${attempt}`)).status);
    const blocked = await t.http().get('/api/me').set('authorization', 'Bearer lnk_guess-again');
    const goodTokenMeanwhile = await t.as(user).get('/api/me');
    t.clock.advance(61_000);
    const afterWindow = await t.as(user).get('/api/me');

    expect(failures).toEqual([401, 401, 401]);
    expect([blocked.status, blocked.body.error.code]).toEqual([429, 'TOO_MANY_FAILED_AUTHENTICATIONS']);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(goodTokenMeanwhile.status).toBe(429);
    expect(afterWindow.status).toBe(200);
  });
});
