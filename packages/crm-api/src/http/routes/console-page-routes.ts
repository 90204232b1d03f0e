import type { IRouter, Response } from 'express';
import { buildConsole } from '@leadnotify/console';

/**
 * The console's own policy, stricter than the API's (which allows inline styles for /docs): its own scripts and
 * styles only, calls to this origin only, images from here or made in the page (a fetched binding code), no framing.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function consoleHeaders(res: Response): Response {
  return res.set({ 'content-security-policy': CONSOLE_CSP, 'x-frame-options': 'DENY' });
}

/**
 * The manager's console (packages/console) at /console/: the page is read again on every visit (no-cache) and names
 * its assets by content hash, so they are cached for good. Bundled in memory on the first request of the process.
 * Its sign-in link (/console/sign-in) and JSON endpoints (/api/console/…) are routes of their own.
 */
export function consolePageRoutes(router: IRouter): void {
  router.get('/console', async (req, res) => {
    // Non-strict routing: this path matches /console and /console/. The page names its assets relative to itself.
    const path = req.originalUrl.split('?', 1)[0] ?? '';
    if (!path.endsWith('/')) {
      res.redirect(301, '/console/');
      return;
    }
    const bundle = await buildConsole();
    consoleHeaders(res).set('cache-control', 'no-cache').type('html').send(bundle.indexHtml);
  });
  router.get('/console/assets/:file', async (req, res, next) => {
    const asset = (await buildConsole()).assets.get(req.params.file);
    if (!asset) {
      next();
      return;
    }
    const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    consoleHeaders(res)
      .set({ 'cache-control': 'public, max-age=31536000, immutable', 'content-type': asset.contentType, vary: 'Accept-Encoding' })
      .set(gzip ? { 'content-encoding': 'gzip' } : {})
      .send(Buffer.from(gzip ? asset.gzipped : asset.contents));
  });
}
