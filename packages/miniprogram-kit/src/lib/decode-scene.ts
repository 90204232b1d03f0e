/**
 * The characters getwxacodeunlimit accepts in `scene`, at most 32 of them (no `%`).
 * Source: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html
 */
export const SCENE_PATTERN = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;

/**
 * The bind page's `options.scene`: WeChat hands it over URI-encoded, so the page must decodeURIComponent it
 * (same source). Returns undefined for anything that cannot be a code we issued, so the page can say
 * "invalid code" without asking the server.
 */
export function decodeScene(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  let scene: string;
  try {
    scene = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return SCENE_PATTERN.test(scene) ? scene : undefined;
}
