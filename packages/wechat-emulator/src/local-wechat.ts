import { randomBytes } from 'node:crypto';
import type { PushSettings } from './message-push.js';
import { startEmulator, type RunningEmulator } from './start-emulator.js';
import type { TemplateDefinition } from './subscribe-gate.js';

export interface LocalWechatOptions {
  port?: number;
  /** What the user sets to choose the port, named when it is taken. */
  portSetting?: string;
  appId?: string;
  cloudEnv?: string;
  functionName: string;
  /** The binding/signing secret shared by the API and the function; made up when not given. */
  sharedSecret?: string;
  /** Message push to the API; usually set later with configurePush, once the API listens. */
  push?: PushSettings;
  /** The templates of the mini program; default the one lead template (DEFAULT_TEMPLATE). */
  templates?: TemplateDefinition[];
  /** WeChat's clock (tokens, push timestamps, the function's): the CRM's, when a simulation drives both. */
  now?: () => number;
}

export interface LocalWechat extends RunningEmulator {
  /** The variables that point crm-api at this emulator as if it were WeChat. */
  env: {
    MINIPROGRAM_APPID: string;
    MINIPROGRAM_APPSECRET: string;
    MINIPROGRAM_CLOUD_ENV: string;
    WECHAT_API_BASE_URL: string;
    LEADNOTIFY_SHARED_SECRET: string;
  };
}

/**
 * The emulator as the local WeChat of `pnpm start` and the end-to-end tests: running, with the credentials
 * and URL crm-api needs to use it. Nothing leaves the machine.
 */
export async function startLocalWechat(options: LocalWechatOptions): Promise<LocalWechat> {
  const sharedSecret = options.sharedSecret ?? randomBytes(32).toString('hex');
  const emulator = await startEmulator({
    port: options.port ?? 0,
    ...(options.portSetting ? { portSetting: options.portSetting } : {}),
    appId: options.appId ?? 'wx-emulator-app',
    cloudEnv: options.cloudEnv ?? 'emulator-env',
    functionName: options.functionName,
    functionEnv: { LEADNOTIFY_SHARED_SECRET: sharedSecret },
    ...(options.push ? { push: options.push } : {}),
    ...(options.templates ? { templates: options.templates } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    ...emulator,
    env: {
      MINIPROGRAM_APPID: emulator.credentials.appId,
      MINIPROGRAM_APPSECRET: emulator.credentials.appSecret,
      MINIPROGRAM_CLOUD_ENV: emulator.credentials.cloudEnv,
      WECHAT_API_BASE_URL: emulator.url,
      LEADNOTIFY_SHARED_SECRET: sharedSecret,
    },
  };
}
