export { createWechatClient, DEFAULT_BASE_URL } from './create-wechat-client.js';
export type { WechatClient } from './create-wechat-client.js';
export { WechatError, isWechatError } from './errors/wechat-error.js';
export type { WechatErrorCode, WechatErrorOptions } from './errors/wechat-error.js';
export { redact } from './errors/redact.js';
export { createMemoryTokenStore } from './token/memory-token-store.js';
export type { CachedToken, Clock, InvokeOptions, Logger, RequestEvent, TokenMode, TokenStore, WechatClientOptions } from './types.js';
// getUnlimitedQrCode needs the client's token state, so it is reached as client.getUnlimitedQrCode().
export { QR_SCENE_PATTERN } from './qrcode/get-unlimited-qr-code.js';
export type { EnvVersion, UnlimitedQrCodeOptions } from './qrcode/get-unlimited-qr-code.js';
export type { SubscribeTemplate } from './templates/get-template-list.js';
export { createWecomClient, DEFAULT_WECOM_BASE_URL } from './wecom/create-wecom-client.js';
export type { WecomClient, WecomClientOptions, WecomMessage, WecomMessageBody, WecomSendAnswer } from './wecom/create-wecom-client.js';
