import type { AxiosInstance } from 'axios';

/** Milliseconds since the epoch; injected so tests control time without sleeping. */
export interface Clock {
  now(): number;
}

export interface CachedToken {
  accessToken: string;
  /** Epoch ms after which the token must not be used any more. */
  expiresAt: number;
}

/**
 * Where access tokens are kept. The in-memory default serves one process; a shared implementation
 * (Redis, the CRM database) lets several processes reuse one token.
 */
export interface TokenStore {
  get(key: string): Promise<CachedToken | undefined>;
  set(key: string, token: CachedToken): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The pino-compatible subset the client logs through. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * `stable` uses POST /cgi-bin/stable_token, which hands every caller the same token and so is safe when
 * several CRM instances share one AppSecret. `classic` uses GET /cgi-bin/token, where each fetch
 * invalidates the previous token.
 */
export type TokenMode = 'stable' | 'classic';

export interface WechatClientOptions {
  appId: string;
  appSecret: string;
  /** Cloud development environment id (the `env` query parameter). */
  cloudEnv: string;
  /** Default https://api.weixin.qq.com. */
  baseUrl?: string;
  tokenMode?: TokenMode;
  /** Timeout of a token request, ms. Default 5000. */
  tokenTimeoutMs?: number;
  /** Timeout of a cloud function invocation, ms. Default 8000: WeChat itself waits at most 5 s for the function. */
  invokeTimeoutMs?: number;
  /** How long before `expires_in` runs out a cached token is replaced, ms. Default 60000. */
  tokenRefreshMarginMs?: number;
  /** Minimum time between two `force_refresh: true` calls from this process, ms. Default 30000. */
  forceRefreshIntervalMs?: number;
  http?: AxiosInstance;
  clock?: Clock;
  tokenStore?: TokenStore;
  logger?: Logger;
  /** Called after every request to WeChat, for metrics. */
  onRequest?: (event: RequestEvent) => void;
}

export interface RequestEvent {
  /** WeChat path, e.g. /tcb/invokecloudfunction. */
  api: string;
  durationMs: number;
  /** 'ok', or the WechatError code. */
  outcome: string;
  errcode?: number;
}

export interface InvokeOptions {
  /** Overrides the client's invokeTimeoutMs for this call. */
  timeoutMs?: number;
  /** Overrides the client's cloudEnv for this call. */
  env?: string;
}

/** Everything internal functions need, built once by createWechatClient. */
export interface ClientState {
  appId: string;
  appSecret: string;
  cloudEnv: string;
  baseUrl: string;
  tokenMode: TokenMode;
  tokenTimeoutMs: number;
  invokeTimeoutMs: number;
  tokenRefreshMarginMs: number;
  forceRefreshIntervalMs: number;
  http: AxiosInstance;
  clock: Clock;
  tokenStore: TokenStore;
  logger: Logger;
  onRequest: (event: RequestEvent) => void;
  tokenCacheKey: string;
  /** One in-flight token request per kind, shared by every concurrent caller. */
  inFlightTokens: Map<'normal' | 'force', Promise<string>>;
  /** Epoch ms of this process's last force refresh, or undefined. */
  lastForceRefreshAt: number | undefined;
  /** Counts token requests sent to WeChat; exposed for metrics and benchmarks. */
  tokenRequests: number;
}
