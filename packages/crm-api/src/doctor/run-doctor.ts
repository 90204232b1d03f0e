import type { WechatClient, WecomClient } from '@leadnotify/wechat-client';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { CloudFunction } from '../delivery/channels/wechat-subscribe/index.js';
import { checkMessagePush } from './check-message-push.js';
import { checkWechat } from './check-wechat.js';
import { checkWecom } from './check-wecom.js';
import type { Finding } from './findings.js';

export interface DoctorDeps {
  config: Config;
  db: Db;
  clock: Clock;
  wechat?: WechatClient | undefined;
  cloudFunction?: CloudFunction | undefined;
  wecom?: WecomClient | undefined;
}

/**
 * Checks the deployment end to end — WeChat credentials, the deployed function, the shared secret, the templates,
 * message push, WeCom — and says for each what was found and what to do. Read-only: nothing is sent to anyone.
 */
export async function runDoctor(deps: DoctorDeps): Promise<Finding[]> {
  const [wechat, push, wecom] = await Promise.all([checkWechat(deps), checkMessagePush(deps), checkWecom(deps)]);
  return [...wechat, push, ...wecom];
}
