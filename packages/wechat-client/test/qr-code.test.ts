import { describe, expect, it } from 'vitest';
import { APP_SECRET, createCapturedLogger, createTestClient, replyStableTokens, wechat } from './helpers.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('rest-of-a-png')]);
const qrPath = (token: string) => `/wxa/getwxacodeunlimit?access_token=${token}`;

describe('getUnlimitedQrCode', () => {
  it('posts scene, page, check_path, env_version and width, and returns the image bytes', async () => {
    replyStableTokens(['TOKEN-A']);
    let body: unknown;
    wechat()
      .post(qrPath('TOKEN-A'))
      .reply((_uri, requestBody) => {
        body = requestBody;
        return [200, PNG, { 'content-type': 'image/png' }];
      });
    const client = createTestClient();

    const image = await client.getUnlimitedQrCode({ scene: 'b=Q7x_9', page: 'pages/bind/index', envVersion: 'trial', checkPath: false, width: 280 });

    expect(Buffer.isBuffer(image)).toBe(true);
    expect(image.equals(PNG)).toBe(true);
    expect(body).toEqual({ scene: 'b=Q7x_9', page: 'pages/bind/index', check_path: false, env_version: 'trial', width: 280 });
  });

  it('defaults to check_path true, release and width 430, and leaves page out when not given', async () => {
    replyStableTokens(['TOKEN-A']);
    let body: unknown;
    wechat()
      .post(qrPath('TOKEN-A'))
      .reply((_uri, requestBody) => {
        body = requestBody;
        return [200, PNG, { 'content-type': 'image/png' }];
      });

    await createTestClient().getUnlimitedQrCode({ scene: 'S1' });

    expect(body).toEqual({ scene: 'S1', check_path: true, env_version: 'release', width: 430 });
  });

  it('recognises PNG bytes by their signature when the content type is wrong', async () => {
    replyStableTokens(['TOKEN-A']);
    wechat().post(qrPath('TOKEN-A')).reply(200, PNG, { 'content-type': 'application/octet-stream' });
    expect((await createTestClient().getUnlimitedQrCode({ scene: 'S1' })).equals(PNG)).toBe(true);
  });

  it('a 41030 answer is a non-retryable PAGE_INVALID saying to publish the page or change check_path/env_version', async () => {
    replyStableTokens(['TOKEN-A']);
    wechat().post(qrPath('TOKEN-A')).reply(200, { errcode: 41030, errmsg: 'invalid page rid: 6445e74a' }, { 'content-type': 'application/json' });

    const error = await createTestClient().getUnlimitedQrCode({ scene: 'S1', page: 'pages/bind/index' }).catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ name: 'WechatError', code: 'PAGE_INVALID', errcode: 41030, retryable: false, api: '/wxa/getwxacodeunlimit' });
    expect((error as Error).message).toMatch(/publish the bind page.*WECHAT_QR_CHECK_PATH=false.*WECHAT_QR_ENV_VERSION/);
  });

  it.each([40129, 40169])('a %i answer is SCENE_INVALID', async (errcode) => {
    replyStableTokens(['TOKEN-A']);
    wechat().post(qrPath('TOKEN-A')).reply(200, { errcode, errmsg: 'invalid scene' });
    await expect(createTestClient().getUnlimitedQrCode({ scene: 'S1' })).rejects.toMatchObject({ code: 'SCENE_INVALID', retryable: false });
  });

  it('any other JSON failure (45011) is classified like every other call', async () => {
    replyStableTokens(['TOKEN-A']);
    wechat().post(qrPath('TOKEN-A')).reply(200, { errcode: 45011, errmsg: 'api minute-quota reach limit' }, { 'content-type': 'application/json; encoding=utf-8' });
    await expect(createTestClient().getUnlimitedQrCode({ scene: 'S1' })).rejects.toMatchObject({ code: 'RATE_LIMITED', retryable: true });
  });

  it("a 45009 is WeChat's limit of 5,000 codes a minute, not a daily quota: CODE_RATE_LIMITED, ask again in a minute", async () => {
    replyStableTokens(['TOKEN-A']);
    wechat().post(qrPath('TOKEN-A')).reply(200, { errcode: 45009, errmsg: 'reach max api daily quota limit' }, { 'content-type': 'application/json; encoding=utf-8' });

    const error = await createTestClient().getUnlimitedQrCode({ scene: 'S1' }).catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ code: 'CODE_RATE_LIMITED', errcode: 45009, retryable: true });
    expect((error as Error).message).toMatch(/5,000 .* a minute: ask for the binding code again in a minute/);
  });

  it('an answer that is neither an image nor JSON is a BAD_RESPONSE', async () => {
    replyStableTokens(['TOKEN-A']);
    wechat().post(qrPath('TOKEN-A')).reply(200, '<html>gateway</html>', { 'content-type': 'text/html' });
    await expect(createTestClient().getUnlimitedQrCode({ scene: 'S1' })).rejects.toMatchObject({ code: 'BAD_RESPONSE', retryable: true });
  });

  it('when the token is rejected (40001) it gets a fresh one and retries once', async () => {
    replyStableTokens(['OLD', 'NEW']);
    wechat().post(qrPath('OLD')).reply(200, { errcode: 40001, errmsg: 'invalid credential' });
    wechat().post(qrPath('NEW')).reply(200, PNG, { 'content-type': 'image/png' });

    expect((await createTestClient().getUnlimitedQrCode({ scene: 'S1' })).equals(PNG)).toBe(true);
  });

  it.each([
    [{ scene: '' }, /scene must be/],
    [{ scene: 'a'.repeat(33) }, /scene must be/],
    [{ scene: 'has%25percent' }, /scene must be/],
    [{ scene: '中文' }, /scene must be/],
    [{ scene: 'S1', page: '/pages/bind/index' }, /page must be/],
    [{ scene: 'S1', page: 'pages/bind/index?scene=1' }, /page must be/],
    [{ scene: 'S1', envVersion: 'beta' as never }, /envVersion must be/],
    [{ scene: 'S1', width: 100 }, /width must be/],
  ])('refuses %o before calling WeChat', async (options, message) => {
    const scope = wechat().post(/.*/).reply(500);
    await expect(createTestClient().getUnlimitedQrCode(options)).rejects.toThrow(message);
    expect(scope.isDone()).toBe(false);
  });

  it('accepts every character WeChat allows in a scene', async () => {
    replyStableTokens(['TOKEN-A']);
    wechat().post(qrPath('TOKEN-A')).reply(200, PNG, { 'content-type': 'image/png' });
    await expect(createTestClient().getUnlimitedQrCode({ scene: "!#$&'()*+,/:;=?@-._~aZ09" })).resolves.toBeInstanceOf(Buffer);
  });

  it('keeps the AppSecret and the tokens out of errors and logs', async () => {
    replyStableTokens(['TOKEN-SECRET-1', 'TOKEN-SECRET-2']);
    wechat().post(qrPath('TOKEN-SECRET-1')).reply(200, { errcode: 40001, errmsg: `invalid credential access_token=TOKEN-SECRET-1 ${APP_SECRET}` });
    wechat().post(qrPath('TOKEN-SECRET-2')).reply(200, { errcode: 41030, errmsg: `invalid page access_token=TOKEN-SECRET-2 secret=${APP_SECRET}` });
    const { logger, lines } = createCapturedLogger();

    const error = await createTestClient({ logger }).getUnlimitedQrCode({ scene: 'S1' }).catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ code: 'PAGE_INVALID' });
    const visible = [(error as Error).message, (error as Error).stack, JSON.stringify(error), ...lines].join('\n');
    for (const secret of ['TOKEN-SECRET-1', 'TOKEN-SECRET-2', APP_SECRET]) expect(visible).not.toContain(secret);
  });
});
