import { describe, expect, it } from 'vitest';
import {
  APP_SECRET,
  createCapturedLogger,
  createTestClient,
  invokePath,
  networkError,
  replyStableTokens,
  wechat,
} from './helpers.js';

const TOKEN = 'ACCESS-TOKEN-9f8e7d6c5b4a';
const NEXT_TOKEN = 'ACCESS-TOKEN-NEXT-1a2b3c';

function everythingVisible(error: unknown, logLines: string[]): string {
  const asError = error as Error & Record<string, unknown>;
  return [
    asError.message,
    asError.stack ?? '',
    JSON.stringify(error),
    JSON.stringify(Object.fromEntries(Object.entries(asError))),
    String(error),
    ...logLines,
  ].join('\n');
}

describe('secrets', () => {
  it('a failing token request leaves the AppSecret out of the error and the logs', async () => {
    wechat()
      .post('/cgi-bin/stable_token')
      .reply(200, { errcode: 40125, errmsg: `invalid appsecret ${APP_SECRET} rid: 1` });
    const { logger, lines } = createCapturedLogger();
    const client = createTestClient({ logger });

    const error = await client.getAccessToken().catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ code: 'APPSECRET_INVALID' });
    expect(everythingVisible(error, lines)).not.toContain(APP_SECRET);
  });

  it('a classic token request that fails on the network does not leak the secret from its URL', async () => {
    wechat()
      .get('/cgi-bin/token')
      .query(true)
      .replyWithError(networkError('ECONNRESET', `socket hang up GET /cgi-bin/token?secret=${APP_SECRET}`));
    const { logger, lines } = createCapturedLogger();
    const client = createTestClient({ tokenMode: 'classic', logger });

    const error = await client.getAccessToken().catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ code: 'NETWORK' });
    expect(everythingVisible(error, lines)).not.toContain(APP_SECRET);
  });

  it('failing invocations leave the access tokens out of the error and the logs', async () => {
    replyStableTokens([TOKEN, NEXT_TOKEN]);
    wechat().post(invokePath(TOKEN)).reply(200, { errcode: 40001, errmsg: `invalid credential access_token=${TOKEN}` });
    wechat()
      .post(invokePath(NEXT_TOKEN))
      .replyWithError(networkError('ECONNRESET', `socket hang up /tcb/invokecloudfunction?access_token=${NEXT_TOKEN}`));
    const { logger, lines } = createCapturedLogger();
    const client = createTestClient({ logger });

    const error = await client.invokeCloudFunction('quickstartFunctions', { type: 'x' }).catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ code: 'NETWORK', retryable: true });
    expect(lines.length).toBeGreaterThan(0);
    const visible = everythingVisible(error, lines);
    expect(visible).not.toContain(TOKEN);
    expect(visible).not.toContain(NEXT_TOKEN);
    expect(visible).not.toContain(APP_SECRET);
  });
});
