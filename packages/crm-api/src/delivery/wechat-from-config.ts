import { createWechatClient, type RequestEvent, type WechatClient } from '@leadnotify/wechat-client';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

export type WechatSetup = { client: WechatClient } | { client: undefined; reason: string };

/** Why the config cannot reach WeChat, or undefined when it can. */
export function missingWechatConfig(config: Config): string | undefined {
  const missing = (['MINIPROGRAM_APPID', 'MINIPROGRAM_APPSECRET', 'MINIPROGRAM_CLOUD_ENV'] as const).filter((key) => !config[key]);
  return missing.length > 0 ? `${missing.join(', ')} not set` : undefined;
}

/** The WeChat client the notifier uses, or why there is none (never naming secret values). */
export function wechatFromConfig(config: Config, logger: Logger, onRequest?: (event: RequestEvent) => void): WechatSetup {
  const reason = missingWechatConfig(config);
  if (reason) return { client: undefined, reason };
  return {
    client: createWechatClient({
      appId: config.MINIPROGRAM_APPID as string,
      appSecret: config.MINIPROGRAM_APPSECRET as string,
      cloudEnv: config.MINIPROGRAM_CLOUD_ENV as string,
      baseUrl: config.WECHAT_API_BASE_URL,
      tokenMode: config.WECHAT_TOKEN_MODE,
      tokenTimeoutMs: config.WECHAT_TOKEN_TIMEOUT_MS,
      invokeTimeoutMs: config.WECHAT_INVOKE_TIMEOUT_MS,
      logger: logger.child({ component: 'wechat-client' }),
      ...(onRequest ? { onRequest } : {}),
    }),
  };
}
