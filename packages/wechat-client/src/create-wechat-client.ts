import axios from 'axios';
import { invokeCloudFunction } from './functions/invoke-cloud-function.js';
import { getUnlimitedQrCode, type UnlimitedQrCodeOptions } from './qrcode/get-unlimited-qr-code.js';
import { getTemplateList, type SubscribeTemplate } from './templates/get-template-list.js';
import { getAccessToken } from './token/get-access-token.js';
import { createMemoryTokenStore } from './token/memory-token-store.js';
import type { ClientState, InvokeOptions, Logger, WechatClientOptions } from './types.js';

export const DEFAULT_BASE_URL = 'https://api.weixin.qq.com';

export interface WechatClient {
  getAccessToken(): Promise<string>;
  invokeCloudFunction<T = unknown>(name: string, event: Record<string, unknown>, options?: InvokeOptions): Promise<T>;
  /** A mini-program code (PNG) that opens `page` with `scene`; see get-unlimited-qr-code.ts. */
  getUnlimitedQrCode(options: UnlimitedQrCodeOptions): Promise<Buffer>;
  /** The mini program's subscribe-message templates (订阅消息 → 我的模板) with their keywords; see get-template-list.ts. */
  getTemplateList(options?: { timeoutMs?: number }): Promise<SubscribeTemplate[]>;
  /** Counters for metrics and benchmarks. */
  stats(): { tokenRequests: number };
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function createWechatClient(options: WechatClientOptions): WechatClient {
  const state = createState(options);
  return {
    getAccessToken: () => getAccessToken(state),
    invokeCloudFunction: (name, event, invokeOptions) => invokeCloudFunction(state, name, event, invokeOptions),
    getUnlimitedQrCode: (qrOptions) => getUnlimitedQrCode(state, qrOptions),
    getTemplateList: (listOptions) => getTemplateList(state, listOptions),
    stats: () => ({ tokenRequests: state.tokenRequests }),
  };
}

function createState(options: WechatClientOptions): ClientState {
  const problems: string[] = [];
  for (const key of ['appId', 'appSecret', 'cloudEnv'] as const) {
    if (typeof options[key] !== 'string' || options[key].trim() === '') problems.push(`${key} is required`);
  }
  for (const key of ['tokenTimeoutMs', 'invokeTimeoutMs', 'tokenRefreshMarginMs', 'forceRefreshIntervalMs'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) problems.push(`${key} must be a non-negative number`);
  }
  if (options.tokenMode !== undefined && options.tokenMode !== 'stable' && options.tokenMode !== 'classic') {
    problems.push('tokenMode must be "stable" or "classic"');
  }
  if (problems.length > 0) throw new TypeError(`createWechatClient: ${problems.join('; ')}`);

  const tokenMode = options.tokenMode ?? 'stable';
  return {
    appId: options.appId,
    appSecret: options.appSecret,
    cloudEnv: options.cloudEnv,
    baseUrl: (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
    tokenMode,
    tokenTimeoutMs: options.tokenTimeoutMs ?? 5000,
    invokeTimeoutMs: options.invokeTimeoutMs ?? 8000,
    tokenRefreshMarginMs: options.tokenRefreshMarginMs ?? 60_000,
    forceRefreshIntervalMs: options.forceRefreshIntervalMs ?? 30_000,
    http: options.http ?? axios.create(),
    clock: options.clock ?? { now: () => Date.now() },
    tokenStore: options.tokenStore ?? createMemoryTokenStore(),
    logger: options.logger ?? silentLogger,
    onRequest: options.onRequest ?? (() => {}),
    tokenCacheKey: `wechat:access_token:${options.appId}:${tokenMode}`,
    inFlightTokens: new Map(),
    lastForceRefreshAt: undefined,
    tokenRequests: 0,
  };
}
