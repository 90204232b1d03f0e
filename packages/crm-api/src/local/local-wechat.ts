import { randomBytes } from 'node:crypto';
import { startEmulator, type RunningEmulator } from '@leadnotify/wechat-emulator';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';

/** Subscriptions granted to every local user, so the demo keeps delivering. */
const LOCAL_SUBSCRIPTIONS = 1000;

export interface LocalWechat {
  config: Config;
  emulator: RunningEmulator;
}

/**
 * With no AppSecret configured, the service talks to the local WeChat emulator (running the real cloud
 * function) instead of WeChat: same code path, nothing leaves the machine. Returns the config pointed at it.
 */
export async function startLocalWechat(config: Config, logger: Logger): Promise<LocalWechat> {
  const sharedSecret = config.LEADNOTIFY_SHARED_SECRET ?? randomBytes(32).toString('hex');
  const emulator = await startEmulator({
    port: config.WECHAT_EMULATOR_PORT,
    appId: config.MINIPROGRAM_APPID ?? 'wx-emulator-app',
    cloudEnv: config.MINIPROGRAM_CLOUD_ENV ?? 'emulator-env',
    functionName: config.WECHAT_CLOUD_FUNCTION,
    functionEnv: { LEADNOTIFY_SHARED_SECRET: sharedSecret },
  });
  logger.warn(
    { emulator: emulator.url },
    `MINIPROGRAM_APPSECRET is not set: using the local WeChat emulator at ${emulator.url} (messages: ${emulator.url}/_emulator/messages). Set the WeChat variables to deliver for real.`,
  );
  return {
    emulator,
    config: Object.freeze({
      ...config,
      MINIPROGRAM_APPID: emulator.credentials.appId,
      MINIPROGRAM_APPSECRET: emulator.credentials.appSecret,
      MINIPROGRAM_CLOUD_ENV: emulator.credentials.cloudEnv,
      WECHAT_API_BASE_URL: emulator.url,
      LEADNOTIFY_SHARED_SECRET: sharedSecret,
    }),
  };
}

/** The emulator forgets everything on restart: bind and subscribe every active user again. */
export async function prepareLocalUsers(db: Db, emulator: RunningEmulator): Promise<number> {
  const users = await db.kysely.selectFrom('users').select('id').where('active', '=', 1).execute();
  for (const user of users) await emulator.setupUser(user.id, LOCAL_SUBSCRIPTIONS);
  return users.length;
}
