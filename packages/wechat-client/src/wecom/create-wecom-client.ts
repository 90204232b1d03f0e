import axios, { type AxiosInstance } from 'axios';
import { WECOM_TOKEN_ERRCODES } from '@leadnotify/contracts';
import { badResponseError } from '../errors/to-wechat-error.js';
import { isWechatError } from '../errors/wechat-error.js';
import { requestWechat, type RequestState } from '../request-wechat.js';
import type { CachedToken, Clock, Logger, RequestEvent } from '../types.js';

export const DEFAULT_WECOM_BASE_URL = 'https://qyapi.weixin.qq.com';

export interface WecomClientOptions {
  /** 企业ID (WeCom admin console: 我的企业 → 企业信息). */
  corpId: string;
  /** The self-built application's AgentId. */
  agentId: number;
  /** The application's Secret: never logged, never in an error. */
  agentSecret: string;
  baseUrl?: string;
  http?: AxiosInstance;
  clock?: Clock;
  logger?: Logger;
  onRequest?: (event: RequestEvent) => void;
  tokenTimeoutMs?: number;
  sendTimeoutMs?: number;
  /** How long before WeCom's expiry a token is no longer used. */
  tokenRefreshMarginMs?: number;
}

/** The message types leadnotify sends (https://developer.work.weixin.qq.com/document/path/90236). */
export type WecomMessageBody =
  | { msgtype: 'textcard'; textcard: { title: string; description: string; url: string; btntxt?: string } }
  | {
      msgtype: 'miniprogram_notice';
      miniprogram_notice: { appid: string; page: string; title: string; description: string; emphasis_first_item?: boolean; content_item: Array<{ key: string; value: string }> };
    };

export type WecomMessage = WecomMessageBody & {
  /** WeCom userids. */
  touser: string[];
  /**
   * WeCom does not deliver the same request JSON again within this many seconds (enable_duplicate_check): a retry of a
   * send whose answer was lost is then safe, as long as the JSON is the same to the byte. At most 4 h.
   */
  duplicateCheckIntervalS?: number;
};

/** WeCom can answer errcode 0 and still name receivers who got nothing. */
export interface WecomSendAnswer {
  msgId: string | undefined;
  /** Lower-cased, as WeCom answers them: unknown, or outside the application's visible range. */
  invalidUsers: string[];
  unlicensedUsers: string[];
}

export interface WecomClient {
  getAccessToken(): Promise<string>;
  sendMessage(message: WecomMessage): Promise<WecomSendAnswer>;
  /** The userid of the member with this mobile (the application needs the permission; 46004: nobody has it). */
  getUserIdByMobile(mobile: string): Promise<string>;
  stats(): { tokenRequests: number };
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * WeCom's application messages: gettoken (the token cached, one refresh shared by concurrent callers, dropped and
 * fetched again once when WeCom rejects it) and message/send. Errors are WechatErrors read with WeCom's own meanings
 * (contracts' `qyapi` table).
 */
export function createWecomClient(options: WecomClientOptions): WecomClient {
  const problems: string[] = [];
  if (typeof options.corpId !== 'string' || options.corpId.trim() === '') problems.push('corpId is required');
  if (typeof options.agentSecret !== 'string' || options.agentSecret.trim() === '') problems.push('agentSecret is required');
  if (!Number.isInteger(options.agentId) || options.agentId <= 0) problems.push('agentId must be a positive integer');
  if (problems.length > 0) throw new TypeError(`createWecomClient: ${problems.join('; ')}`);

  const state: RequestState = {
    http: options.http ?? axios.create(),
    baseUrl: (options.baseUrl ?? DEFAULT_WECOM_BASE_URL).replace(/\/+$/, ''),
    clock: options.clock ?? { now: () => Date.now() },
    onRequest: options.onRequest ?? (() => {}),
  };
  const logger = options.logger ?? silentLogger;
  const secrets = [options.agentSecret];
  const marginMs = options.tokenRefreshMarginMs ?? 60_000;
  let cached: CachedToken | undefined;
  let inFlight: Promise<string> | undefined;
  let tokenRequests = 0;

  async function fetchToken(): Promise<string> {
    tokenRequests += 1;
    const body = await requestWechat(
      state,
      { method: 'GET', api: 'qyapi/cgi-bin/gettoken', query: { corpid: options.corpId, corpsecret: options.agentSecret }, timeoutMs: options.tokenTimeoutMs ?? 5000 },
      secrets,
    );
    const accessToken = body.access_token;
    const expiresIn = body.expires_in;
    if (typeof accessToken !== 'string' || accessToken === '' || typeof expiresIn !== 'number' || expiresIn <= 0) {
      throw badResponseError('/cgi-bin/gettoken', 'no usable access_token/expires_in', true);
    }
    cached = { accessToken, expiresAt: state.clock.now() + Math.max(expiresIn * 1000 - marginMs, (expiresIn * 1000) / 2) };
    logger.info({ validUntil: new Date(cached.expiresAt).toISOString() }, 'WeCom access token refreshed');
    return accessToken;
  }

  function getAccessToken(): Promise<string> {
    if (cached && cached.expiresAt > state.clock.now()) return Promise.resolve(cached.accessToken);
    inFlight ??= fetchToken().finally(() => (inFlight = undefined));
    return inFlight;
  }

  async function withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = await getAccessToken();
    try {
      return await call(token);
    } catch (error) {
      if (!isWechatError(error) || error.errcode === undefined || !WECOM_TOKEN_ERRCODES.has(error.errcode)) throw error;
      logger.warn({ api: error.api, errcode: error.errcode }, 'WeCom rejected the access token; refreshing and retrying once');
      if (cached?.accessToken === token) cached = undefined;
      return call(await getAccessToken());
    }
  }

  async function sendMessage(message: WecomMessage): Promise<WecomSendAnswer> {
    const { touser, duplicateCheckIntervalS, ...content } = message;
    const body = {
      touser: touser.join('|'),
      agentid: options.agentId,
      ...content,
      ...(duplicateCheckIntervalS === undefined ? {} : { enable_duplicate_check: 1, duplicate_check_interval: duplicateCheckIntervalS }),
    };
    const answer = await withToken((token) =>
      requestWechat(state, { method: 'POST', api: 'qyapi/cgi-bin/message/send', query: { access_token: token }, body, timeoutMs: options.sendTimeoutMs ?? 5000 }, [...secrets, token]),
    );
    const users = (value: unknown) => (typeof value === 'string' && value !== '' ? value.split('|') : []);
    return { msgId: typeof answer.msgid === 'string' ? answer.msgid : undefined, invalidUsers: users(answer.invaliduser), unlicensedUsers: users(answer.unlicenseduser) };
  }

  async function getUserIdByMobile(mobile: string): Promise<string> {
    const answer = await withToken((token) =>
      requestWechat(state, { method: 'POST', api: 'qyapi/cgi-bin/user/getuserid', query: { access_token: token }, body: { mobile }, timeoutMs: options.sendTimeoutMs ?? 5000 }, [...secrets, token]),
    );
    if (typeof answer.userid !== 'string' || answer.userid === '') throw badResponseError('/cgi-bin/user/getuserid', 'no userid', false);
    return answer.userid;
  }

  return { getAccessToken, sendMessage, getUserIdByMobile, stats: () => ({ tokenRequests }) };
}
