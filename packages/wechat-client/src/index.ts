export { createWechatClient, DEFAULT_BASE_URL } from './create-wechat-client.js';
export type { WechatClient } from './create-wechat-client.js';
export { WechatError, isWechatError } from './errors/wechat-error.js';
export type { WechatErrorCode, WechatErrorOptions } from './errors/wechat-error.js';
export { redact } from './errors/redact.js';
export { createMemoryTokenStore } from './token/memory-token-store.js';
export type { CachedToken, Clock, InvokeOptions, Logger, RequestEvent, TokenMode, TokenStore, WechatClientOptions } from './types.js';
