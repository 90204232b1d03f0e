import express, { Router } from 'express';
import QRCode from 'qrcode';
import { createCallQuota } from './call-quota.js';
import type { TokenAuthority } from './token-authority.js';

/**
 * What the emulator's mini-program codes encode: a real, scannable QR code whose text names the page and the
 * scene the code would open, e.g. leadnotify-emulator://pages/bind/index?scene=b%3DQ7x_9. The scene is
 * URI-encoded, so reading it back with URLSearchParams gives what the page would get from
 * decodeURIComponent(options.scene).
 */
export const EMULATOR_QR_PREFIX = 'leadnotify-emulator://';

export function emulatorQrText(page: string, scene: string): string {
  return `${EMULATOR_QR_PREFIX}${page}?scene=${encodeURIComponent(scene)}`;
}

const SCENE_CHARS = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]*$/;
const ENV_VERSIONS = ['release', 'trial', 'develop'];

type Refusal = { errcode: number; errmsg: string };

/**
 * The checks getwxacodeunlimit makes, in its own errcodes and errmsgs (getUnlimitedQRCode doc; errmsgs as
 * developers report them): 40169 for a scene that is missing, too long or a body that is not JSON, 40129 for
 * a scene character outside the allowed set, 41030 for a page with a leading / or a query, or (check_path
 * true) one the released version does not have, 40097 for an unknown env_version.
 */
function refusal(body: Record<string, unknown>, pages: readonly string[]): Refusal | undefined {
  const { scene, page, check_path: checkPath, env_version: envVersion } = body;
  if (typeof scene !== 'string' || scene.length === 0 || scene.length > 32) {
    return { errcode: 40169, errmsg: 'invalid length for scene, or the data is not json string' };
  }
  if (!SCENE_CHARS.test(scene)) return { errcode: 40129, errmsg: 'invalid scene' };
  if (page !== undefined && (typeof page !== 'string' || page.startsWith('/') || /[?#\s]/.test(page))) {
    return { errcode: 41030, errmsg: 'invalid page' };
  }
  if (envVersion !== undefined && !ENV_VERSIONS.includes(String(envVersion))) return { errcode: 40097, errmsg: 'invalid args' };
  if (checkPath !== false && typeof page === 'string' && !pages.includes(page)) return { errcode: 41030, errmsg: 'invalid page' };
  return undefined;
}

/**
 * POST /wxa/getwxacodeunlimit: a PNG on success, JSON {errcode, errmsg} otherwise, like WeChat. `pages` are
 * the released mini program's pages, the first its home page.
 */
export function qrCodeRoute(options: { tokens: TokenAuthority; pages: readonly string[]; now: () => number }): Router {
  const router = Router();
  // getUnlimitedQRCode: "45009 调用分钟频率受限(目前5000次/分钟，会调整)" — counted per AppID, i.e. per valid token.
  const quota = createCallQuota({ perMinute: 5000, now: options.now });
  router.post('/wxa/getwxacodeunlimit', express.text({ type: () => true }), async (req, res) => {
    const token = options.tokens.check(typeof req.query.access_token === 'string' ? req.query.access_token : undefined);
    if (!token.ok) return void res.json({ errcode: token.errcode, errmsg: token.errmsg });
    if (quota.take()) return void res.json({ errcode: 45009, errmsg: 'reach max api daily quota limit' });
    let body: unknown;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      body = undefined;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return void res.json({ errcode: 40169, errmsg: 'invalid length for scene, or the data is not json string' });
    }
    const fields = body as Record<string, unknown>;
    const refused = refusal(fields, options.pages);
    if (refused) return void res.json(refused);
    // No page opens the home page: the first page the mini program lists.
    const page = typeof fields.page === 'string' ? fields.page : (options.pages[0] ?? 'pages/index/index');
    const width = Math.min(1280, Math.max(280, Number.isFinite(fields.width) ? Number(fields.width) : 430));
    const png = await QRCode.toBuffer(emulatorQrText(page, fields.scene as string), { type: 'png', width, margin: 2 });
    res.type('image/png').send(png);
  });
  router.all('/wxa/getwxacodeunlimit', (_req, res) => void res.json({ errcode: 43002, errmsg: 'require POST method' }));
  return router;
}
