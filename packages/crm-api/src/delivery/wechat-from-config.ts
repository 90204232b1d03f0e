import { createWechatClient, type RequestEvent, type WechatClient } from '@leadnotify/wechat-client';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createCloudFunction, type CloudFunction } from './channels/wechat-subscribe/index.js';

export type WechatSetup = { client: WechatClient; cloudFunction: CloudFunction } | { client: undefined; cloudFunction?: undefined; reason: string };

/** Why the config cannot reach WeChat, or undefined when it can. */
export function missingWechatConfig(config: Config): string | undefined {
  const missing = (['MINIPROGRAM_APPID', 'MINIPROGRAM_APPSECRET', 'MINIPROGRAM_CLOUD_ENV'] as const).filter((key) => !config[key]);
  return missing.length > 0 ? `${missing.join(', ')} not set` : undefined;
}

/** The WeChat client and the cloud function behind it, or why there are none (never naming secret values). */
export function wechatFromConfig(config: Config, logger: Logger, onRequest?: (event: RequestEvent) => void): WechatSetup {
  const reason = missingWechatConfig(config);
  if (reason) return { client: undefined, reason };
  const client = createWechatClient({
    appId: config.MINIPROGRAM_APPID as string,
    appSecret: config.MINIPROGRAM_APPSECRET as string,
    cloudEnv: config.MINIPROGRAM_CLOUD_ENV as string,
    baseUrl: config.WECHAT_API_BASE_URL,
    tokenMode: config.WECHAT_TOKEN_MODE,
    tokenTimeoutMs: config.WECHAT_TOKEN_TIMEOUT_MS,
    invokeTimeoutMs: config.WECHAT_INVOKE_TIMEOUT_MS,
    logger: logger.child({ component: 'wechat-client' }),
    ...(onRequest ? { onRequest } : {}),
  });
  return { client, cloudFunction: createCloudFunction(client, config.WECHAT_CLOUD_FUNCTION) };
}
