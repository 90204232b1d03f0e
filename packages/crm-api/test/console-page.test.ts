import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../src/http/routes/console-page-routes.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/** The console's page and assets as crm-api serves them (the page itself is tested in Chromium: console-browser.test.ts). */
describe('the console at /console/', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t.close());

  const assetsOf = (html: string) => [...html.matchAll(/(?:src|href)="assets\/([^"]+)"/g)].map((match) => match[1] as string);

  it('/console goes to /console/, whose page loads its script and stylesheet under a strict CSP and is read again on every visit', async () => {
    const bare = await t.http().get('/console');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/console/');

    const page = await t.http().get('/console/');

    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(CONSOLE_CSP).toContain("default-src 'self'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(assetsOf(page.text)).toHaveLength(2);
  });

  it('assets are named by their contents and cached for good, gzipped for a client that takes it', async () => {
    const page = await t.http().get('/console/');
    const script = assetsOf(page.text).find((name) => name.endsWith('.js')) as string;

    const plain = await t.http().get(`/console/assets/${script}`).set('accept-encoding', 'identity');
    const gzipped = await t.http().get(`/console/assets/${script}`).set('accept-encoding', 'gzip');

    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toBe('Accept-Encoding');
    // supertest unzips the body; the bytes on the wire are in the header.
    expect(Number(gzipped.headers['content-length'])).toBeLessThan(Number(plain.headers['content-length']) / 2);
    expect(gzipped.text).toBe(plain.text);
  });

  it('an asset it did not build is a 404 in the API shape', async () => {
    const missing = await t.http().get('/console/assets/main-AAAAAAAA.js');

    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ROUTE_NOT_FOUND');
  });
});
