import axios from 'axios';
import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import { createWechatClient } from '@leadnotify/wechat-client';
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATOR_QR_PREFIX, startEmulator, type RunningEmulator } from '../src/index.js';

const http = axios.create({ validateStatus: () => true });
// jsqr is CommonJS with `exports.default`: under NodeNext the default import is the module object.
const jsQR = jsqr.default;

/** Reads a QR code the way a phone camera would: decode the PNG's pixels and find the code in them. */
function scan(png: Buffer): { page: string; scene: string | null } {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (!code) throw new Error('no QR code found in the image');
  expect(code.data.startsWith(EMULATOR_QR_PREFIX)).toBe(true);
  const [page = '', query = ''] = code.data.slice(EMULATOR_QR_PREFIX.length).split('?');
  return { page, scene: new URLSearchParams(query).get('scene') };
}

describe('POST /wxa/getwxacodeunlimit', () => {
  let emulator: RunningEmulator;
  afterEach(() => emulator?.stop());

  function client() {
    return createWechatClient({ ...emulator.credentials, baseUrl: emulator.url });
  }

  async function post(body: unknown, token?: string) {
    const accessToken = token ?? (await client().getAccessToken());
    return http.post(`${emulator.url}/wxa/getwxacodeunlimit?access_token=${accessToken}`, body, { responseType: 'arraybuffer' });
  }

  function json(response: { data: ArrayBuffer }) {
    return JSON.parse(Buffer.from(response.data).toString('utf8')) as unknown;
  }

  it('answers a scannable PNG whose text carries the page and the scene', async () => {
    emulator = await startEmulator();

    const png = await client().getUnlimitedQrCode({ scene: "b=Q7x_9&k!*'()", page: 'pages/bind/index', width: 280 });

    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(scan(png)).toEqual({ page: 'pages/bind/index', scene: "b=Q7x_9&k!*'()" });
  });

  it('refuses a bad or missing token like the other routes', async () => {
    emulator = await startEmulator();
    expect(json(await post({ scene: 'S1' }, 'not-a-token'))).toEqual({ errcode: 40014, errmsg: 'invalid access_token' });
    const missing = await http.post(`${emulator.url}/wxa/getwxacodeunlimit`, { scene: 'S1' });
    expect(missing.data).toMatchObject({ errcode: 41001 });
  });

  it.each([
    [{ page: 'pages/bind/index' }, 40169],
    [{ scene: '' }, 40169],
    [{ scene: 'a'.repeat(33) }, 40169],
    [{ scene: 'has%percent' }, 40129],
    [{ scene: '中文' }, 40129],
    [{ scene: 'S1', page: '/pages/bind/index' }, 41030],
    [{ scene: 'S1', page: 'pages/bind/index?x=1' }, 41030],
    [{ scene: 'S1', env_version: 'beta' }, 40097],
  ])('refuses %o with errcode %i', async (body, errcode) => {
    emulator = await startEmulator();
    expect(json(await post(body))).toMatchObject({ errcode });
  });

  it('refuses a body that is not JSON with 40169', async () => {
    emulator = await startEmulator();
    const token = await client().getAccessToken();
    const response = await http.post(`${emulator.url}/wxa/getwxacodeunlimit?access_token=${token}`, 'scene=S1', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.data).toMatchObject({ errcode: 40169 });
  });

  it('with a page list, check_path refuses an unknown page (41030) unless check_path is false', async () => {
    emulator = await startEmulator({ pages: ['pages/index/index', 'pages/bind/index'] });

    await expect(client().getUnlimitedQrCode({ scene: 'S1', page: 'pages/missing/index' })).rejects.toMatchObject({ code: 'PAGE_INVALID', errcode: 41030 });
    const png = await client().getUnlimitedQrCode({ scene: 'S1', page: 'pages/missing/index', checkPath: false });
    expect(scan(png)).toEqual({ page: 'pages/missing/index', scene: 'S1' });
  });

  it('without a page the code opens the home page', async () => {
    emulator = await startEmulator({ pages: ['pages/home/index', 'pages/bind/index'] });
    expect(scan(await client().getUnlimitedQrCode({ scene: 'S1' }))).toEqual({ page: 'pages/home/index', scene: 'S1' });
  });

  it('answers GET with 43002', async () => {
    emulator = await startEmulator();
    const response = await http.get(`${emulator.url}/wxa/getwxacodeunlimit`);
    expect(response.data).toEqual({ errcode: 43002, errmsg: 'require POST method' });
  });
});
