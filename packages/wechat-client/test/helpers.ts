import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { createWechatClient, type WechatClientOptions } from '../src/index.js';

export const BASE_URL = 'https://wechat.test';
export const APP_ID = 'wx-test-appid';
export const APP_SECRET = 'S3CRET-appsecret-value-0123456789';
export const CLOUD_ENV = 'prod-env-1';

export function createFakeClock(start = Date.parse('2026-11-25T08:00:00Z')) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** A pino logger writing JSON lines into an array, so tests can search everything that was logged. */
export function createCapturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

export function createTestClient(overrides: Partial<WechatClientOptions> = {}) {
  return createWechatClient({
    appId: APP_ID,
    appSecret: APP_SECRET,
    cloudEnv: CLOUD_ENV,
    baseUrl: BASE_URL,
    clock: createFakeClock(),
    ...overrides,
  });
}

export function wechat() {
  return nock(BASE_URL);
}

interface StableTokenBody {
  grant_type: string;
  appid: string;
  secret: string;
  force_refresh: boolean;
}

/** Answers stable_token requests with the given tokens in order and records each request body. */
export function replyStableTokens(tokens: string[], expiresIn = 7200) {
  const bodies: StableTokenBody[] = [];
  let index = 0;
  const scope = wechat()
    .post('/cgi-bin/stable_token')
    .times(tokens.length)
    .reply((_uri, body) => {
      bodies.push(body as StableTokenBody);
      const token = tokens[index++];
      return [200, { access_token: token, expires_in: expiresIn }];
    });
  return { scope, bodies };
}

export function invokePath(token: string, name = 'quickstartFunctions', env = CLOUD_ENV) {
  return `/tcb/invokecloudfunction?access_token=${token}&env=${env}&name=${name}`;
}

/** A transport failure as Node's http module reports it (nock needs an Error instance, not a plain object). */
export function networkError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
