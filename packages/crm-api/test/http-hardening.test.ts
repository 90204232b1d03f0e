import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createApiToken } from '../src/domain/api-tokens.js';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';
import { startTestServer } from './helpers/test-server.js';

/**
 * Writes raw bytes to the server and reads everything it answers until it closes the connection; fails if the server
 * has not closed it within 5 s (HTTP_REQUEST_TIMEOUT_MS is 500 ms here; Node's own default would hold it 5 minutes).
 */
function rawExchange(port: number, request: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body });
    });
    // The server may close while the client is still writing (a request over the header limit): what it answered counts.
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
    setTimeout(() => reject(new Error('the connection was still open after 5 s')), 5_000).unref();
  });
}

describe("requests Node answers itself, before Express: in the API's error envelope", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let port: number;
  beforeAll(async () => {
    server = await startTestServer({ WECHAT_EMULATOR: 'off', HTTP_REQUEST_TIMEOUT_MS: '500', HTTP_HEADERS_TIMEOUT_MS: '500' });
    port = Number(new URL(server.running.url).port);
  });
  afterAll(() => server.stop());

  const expectJsonError = (answer: { status: number; headers: string; body: string }, status: number, code: string) => {
    expect(answer.status).toBe(status);
    expect(answer.headers).toContain('content-type: application/json');
    expect(JSON.parse(answer.body)).toEqual({ error: { code, message: expect.any(String) } });
  };

  it('a client that sends the headers and half a body is cut off with 408 REQUEST_TIMEOUT, not held open for minutes', async () => {
    const answer = await rawExchange(port, 'POST /api/customers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":');

    // The server closed the connection (rawExchange resolves only then): the client was cut off, not waited for.
    expectJsonError(answer, 408, 'REQUEST_TIMEOUT');
  });

  it('headers that never finish are cut off with 408 REQUEST_TIMEOUT too', async () => {
    const answer = await rawExchange(port, 'GET /api/me HTTP/1.1\r\nHost: x\r\n');

    expectJsonError(answer, 408, 'REQUEST_TIMEOUT');
  });

  it('a request line over the header limit answers 431 HEADERS_TOO_LARGE', async () => {
    const answer = await rawExchange(port, `GET /api/customers/${'x'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);

    expectJsonError(answer, 431, 'HEADERS_TOO_LARGE');
  });

  it('bytes that are not HTTP answer 400 MALFORMED_REQUEST', async () => {
    const answer = await rawExchange(port, 'HELLO THERE\r\n\r\n');

    expectJsonError(answer, 400, 'MALFORMED_REQUEST');
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

  it('after AUTH_FAILURE_LIMIT failures an address gets 429 with Retry-After for further failures until the window ends; a valid token from it still works', async () => {
    const failures = [];
    for (let attempt = 0; attempt < 3; attempt++) failures.push((await t.http().get('/api/me').set('authorization', `Bearer lnk_guess${attempt}`)).status);
    const blocked = await t.http().get('/api/me').set('authorization', 'Bearer lnk_guess-again');
    const goodTokenMeanwhile = await t.as(user).get('/api/me');
    t.clock.advance(61_000);
    const afterWindow = await t.http().get('/api/me').set('authorization', 'Bearer lnk_guess-later');

    expect(failures).toEqual([401, 401, 401]);
    expect([blocked.status, blocked.body.error.code]).toEqual([429, 'TOO_MANY_FAILED_AUTHENTICATIONS']);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(goodTokenMeanwhile.status).toBe(200);
    expect(afterWindow.status).toBe(401);
  });

  it('a token the CRM issued that expired or was revoked is told so (401 with the reason) even from a throttled address, and is not counted', async () => {
    const expired = await createApiToken(t.db, user.id, new Date(t.clock.now()), { ttlDays: 1 });
    t.clock.advance(2 * 86_400_000);
    const from = (token: string) => t.http().get('/api/me').set('x-forwarded-for', '203.0.113.77').set('authorization', `Bearer ${token}`);
    // Told so each time, past the limit: the mini program signs in again on a 401, not on a 429.
    const told = [];
    for (let attempt = 0; attempt < 4; attempt++) told.push(await from(expired));
    expect(told.map((answer) => [answer.status, answer.body.error.details?.reason])).toEqual(Array(4).fill([401, 'expired']));
    for (let attempt = 0; attempt < 3; attempt++) await from(`lnk_guess-from-77-${attempt}`);
    expect((await from(expired)).body.error.details).toEqual({ reason: 'expired' });
    expect((await from('lnk_guess-from-77-again')).status).toBe(429);
  });

  it('a request with no credential at all (the console looking for a session before sign-in) is 401 and never counted', async () => {
    const from = () => t.http().get('/api/console/session').set('x-forwarded-for', '203.0.113.88');
    const answers = [];
    for (let load = 0; load < 5; load++) answers.push((await from()).status);

    expect(answers).toEqual([401, 401, 401, 401, 401]);
    expect((await t.http().get('/api/me').set('x-forwarded-for', '203.0.113.88').set('authorization', 'Bearer lnk_first-guess')).status).toBe(401);
  });

  it('an IPv6 client is counted by its /64: a new address for every guess does not get past the limit', async () => {
    const from = (address: string, token: string) => t.http().get('/api/me').set('x-forwarded-for', address).set('authorization', `Bearer ${token}`);
    for (let attempt = 0; attempt < 3; attempt++) await from(`2001:db8:1:2::${attempt + 1}`, `lnk_v6-${attempt}`);

    expect((await from('2001:db8:1:2:ffff::9', 'lnk_v6-again')).status).toBe(429);
    expect((await from('2001:db8:1:3::1', 'lnk_v6-neighbour')).status).toBe(401);
  });

  it('behind a trusted proxy (loopback by default) each client is counted by its forwarded address: one guesser does not lock out the office', async () => {
    for (let attempt = 0; attempt < 4; attempt++) await t.http().get('/api/me').set('x-forwarded-for', '203.0.113.5').set('authorization', `Bearer lnk_x${attempt}`);

    const guesser = await t.http().get('/api/me').set('x-forwarded-for', '203.0.113.5').set('authorization', 'Bearer lnk_again');
    const colleague = await t.http().get('/api/me').set('x-forwarded-for', '198.51.100.7').set('authorization', 'Bearer lnk_typo');

    expect([guesser.status, colleague.status]).toEqual([429, 401]);
  });
});

describe('TRUST_PROXY', () => {
  it('takes false, a hop count, addresses, subnets and Express\'s names; refuses true and what is not an address', () => {
    expect(loadConfig({}).TRUST_PROXY).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8, 192.0.2.10' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.10']);
    for (const wrong of ['true', '10.0.0.0/33', 'proxy.example.com']) expect(() => loadConfig({ TRUST_PROXY: wrong }), wrong).toThrow(/TRUST_PROXY/);
  });

  it('false: the connection’s own address counts, whatever X-Forwarded-For says', async () => {
    const direct = await createTestApp('sqlite', { AUTH_FAILURE_LIMIT: '2', TRUST_PROXY: 'false' });
    try {
      for (let attempt = 0; attempt < 2; attempt++) await direct.http().get('/api/me').set('x-forwarded-for', `203.0.113.${attempt}`).set('authorization', 'Bearer lnk_x');
      const spoofed = await direct.http().get('/api/me').set('x-forwarded-for', '198.51.100.99').set('authorization', 'Bearer lnk_x');
      expect(spoofed.status).toBe(429);
    } finally {
      await direct.close();
    }
  });
});
