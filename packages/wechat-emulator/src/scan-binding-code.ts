import { EMULATOR_QR_PREFIX } from './qr-code-route.js';

/** getwxacodeunlimit's scene rule: at most 32 of these characters (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html). */
const SCENE_PATTERN = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;

/** The CRM's scene exchange, the route the kit's bind page calls (docs/miniprogram-kit.md). */
const SCENE_EXCHANGE_PATH = '/api/wechat-binding/scene/exchange';
const SCENE_ERRORS: Record<number, string> = { 404: 'SCENE_INVALID', 409: 'SCENE_USED', 410: 'SCENE_EXPIRED' };

export interface ScanResult {
  /** The kit's outcome names: BOUND, SCENE_INVALID/EXPIRED/USED, TICKET_*, OPENID_BOUND_ELSEWHERE, NETWORK, SERVICE_ERROR. */
  outcome: string;
  openid: string;
  page?: string;
  scene?: string;
  crmUserId?: string;
  exchange?: { status: number; body: unknown };
  bind?: unknown;
}

/** What the camera read: the emulator's own code text (page and URI-encoded scene), or a bare scene. */
export function readScannedCode(qr: string): { page?: string; scene: string | undefined } {
  if (!qr.startsWith(EMULATOR_QR_PREFIX)) return { scene: SCENE_PATTERN.test(qr) ? qr : undefined };
  const rest = qr.slice(EMULATOR_QR_PREFIX.length);
  const [page = '', query = ''] = rest.split('?', 2);
  // The page gets options.scene URI-encoded and decodes it once (decodeURIComponent), as URLSearchParams does.
  const scene = new URLSearchParams(query).get('scene') ?? undefined;
  return { page, scene: scene !== undefined && SCENE_PATTERN.test(scene) ? scene : undefined };
}

/**
 * The phone scans a binding code and the kit's bind page does its work (packages/miniprogram-kit
 * src/lib/run-binding.ts): scene → POST {crmApiUrl}/api/wechat-binding/scene/exchange → bindCrmUser {ticket}
 * as the scanning WeChat user. A scene that cannot be ours is refused without asking the CRM, like the page.
 * `callFunctionAs` rejects as wx.cloud.callFunction does when the call fails.
 */
export async function scanBindingCode(
  input: { qr: string; openid: string; crmApiUrl: string },
  callFunctionAs: (openid: string, event: Record<string, unknown>) => Promise<unknown>,
): Promise<ScanResult> {
  const { page, scene } = readScannedCode(input.qr);
  const base = { openid: input.openid, ...(page === undefined ? {} : { page }) };
  if (scene === undefined) return { ...base, outcome: 'SCENE_INVALID' };
  let status: number;
  let body: unknown;
  try {
    const response = await fetch(`${input.crmApiUrl.replace(/\/+$/, '')}${SCENE_EXCHANGE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scene }),
      signal: AbortSignal.timeout(10_000),
    });
    status = response.status;
    const text = await response.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  } catch {
    return { ...base, scene, outcome: 'NETWORK' };
  }
  const exchange = { status, body };
  const ticket = (body as { ticket?: unknown } | null)?.ticket;
  if (status !== 200 || typeof ticket !== 'string' || ticket === '') {
    const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
    return { ...base, scene, exchange, outcome: SCENE_ERRORS[status] === code ? String(code) : 'SERVICE_ERROR' };
  }
  let bind: unknown;
  try {
    bind = await callFunctionAs(input.openid, { type: 'bindCrmUser', ticket });
  } catch {
    // wx.cloud.callFunction failed (the run passed its limit, or threw): the kit's page reports NETWORK.
    return { ...base, scene, exchange, outcome: 'NETWORK' };
  }
  const result = bind as { ok?: unknown; crmUserId?: unknown; error?: { code?: unknown } } | null;
  if (result?.ok === true) return { ...base, scene, exchange, bind, outcome: 'BOUND', crmUserId: String(result.crmUserId) };
  const code = result?.error?.code;
  const known = ['TICKET_INVALID', 'TICKET_EXPIRED', 'TICKET_USED', 'OPENID_BOUND_ELSEWHERE'];
  return { ...base, scene, exchange, bind, outcome: typeof code === 'string' && known.includes(code) ? code : 'SERVICE_ERROR' };
}
