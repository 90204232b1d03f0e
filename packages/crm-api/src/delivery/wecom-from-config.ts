import { createWecomClient, type RequestEvent, type WecomClient } from '@leadnotify/wechat-client';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';

/** The WeCom client the config reaches, or undefined when WECOM_* are not set (loadConfig checked all or none). */
export function wecomFromConfig(config: Config, deps: { clock: Clock; logger: Logger; onRequest?: ((event: RequestEvent) => void) | undefined }): WecomClient | undefined {
  if (!config.WECOM_CORP_ID || !config.WECOM_AGENT_SECRET || config.WECOM_AGENT_ID === undefined) return undefined;
  return createWecomClient({
    corpId: config.WECOM_CORP_ID,
    agentId: config.WECOM_AGENT_ID,
    agentSecret: config.WECOM_AGENT_SECRET,
    baseUrl: config.WECOM_API_BASE_URL,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'wecom-client' }),
    ...(deps.onRequest ? { onRequest: deps.onRequest } : {}),
  });
}
