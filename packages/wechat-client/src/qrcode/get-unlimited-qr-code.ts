import { requestWechatImage } from '../request-wechat.js';
import { callWithToken } from '../token/call-with-token.js';
import type { ClientState } from '../types.js';

const API = 'wxa/getwxacodeunlimit';
const DEFAULT_TIMEOUT_MS = 10_000;

export type EnvVersion = 'release' | 'trial' | 'develop';

export interface UnlimitedQrCodeOptions {
  /** At most 32 characters from digits, letters and !#$&'()*+,/:;=?@-._~ (no %); the page reads it from options.scene. */
  scene: string;
  /** The page it opens, e.g. pages/bind/index: no leading /, no query. Default: the app's home page. */
  page?: string;
  /** Default true: the page must exist in the published version, or WeChat answers 41030. */
  checkPath?: boolean;
  /** Which version the code opens. Default release. */
  envVersion?: EnvVersion;
  /** Image width in px, 280 to 1280. Default 430. */
  width?: number;
  timeoutMs?: number;
}

/** The rules of getwxacodeunlimit's fields, checked before a call is spent (source below). */
export const QR_SCENE_PATTERN = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;
const PAGE_PATTERN = /^[^/?#\s][^?#\s]*$/;
const ENV_VERSIONS: readonly EnvVersion[] = ['release', 'trial', 'develop'];

function validate(options: UnlimitedQrCodeOptions): string[] {
  const problems: string[] = [];
  if (typeof options.scene !== 'string' || !QR_SCENE_PATTERN.test(options.scene)) {
    problems.push("scene must be 1 to 32 characters from digits, letters and !#$&'()*+,/:;=?@-._~");
  }
  if (options.page !== undefined && (typeof options.page !== 'string' || !PAGE_PATTERN.test(options.page))) {
    problems.push('page must be a page path without a leading / and without a query, e.g. pages/bind/index');
  }
  if (options.envVersion !== undefined && !ENV_VERSIONS.includes(options.envVersion)) {
    problems.push(`envVersion must be one of ${ENV_VERSIONS.join(', ')}`);
  }
  if (options.width !== undefined && (!Number.isInteger(options.width) || options.width < 280 || options.width > 1280)) {
    problems.push('width must be an integer from 280 to 1280');
  }
  return problems;
}

/**
 * POST /wxa/getwxacodeunlimit?access_token= with JSON {scene, page, check_path, env_version, width}: the
 * PNG bytes of a mini-program code on success, JSON {errcode, errmsg} on failure. 5,000 calls a minute.
 * https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html
 */
export async function getUnlimitedQrCode(state: ClientState, options: UnlimitedQrCodeOptions): Promise<Buffer> {
  const problems = validate(options);
  if (problems.length > 0) throw new TypeError(`getUnlimitedQrCode: ${problems.join('; ')}`);
  const body = {
    scene: options.scene,
    ...(options.page === undefined ? {} : { page: options.page }),
    check_path: options.checkPath ?? true,
    env_version: options.envVersion ?? 'release',
    width: options.width ?? 430,
  };
  return callWithToken(state, (accessToken) =>
    requestWechatImage(
      state,
      { method: 'POST', api: API, query: { access_token: accessToken }, body, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
      [state.appSecret, accessToken],
    ),
  );
}
