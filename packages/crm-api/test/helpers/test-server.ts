import { Writable } from 'node:stream';
import { startLocalWechat, type LocalWechat, type RunningEmulator } from '@leadnotify/wechat-emulator';
import type { Clock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** The environment that points crm-api at a running emulator as if it were WeChat. */
export function emulatorEnv(emulator: RunningEmulator): Record<string, string> {
  return {
    MINIPROGRAM_APPID: emulator.credentials.appId,
    MINIPROGRAM_APPSECRET: emulator.credentials.appSecret,
    MINIPROGRAM_CLOUD_ENV: emulator.credentials.cloudEnv,
    WECHAT_API_BASE_URL: emulator.url,
  };
}

/** What `pnpm start` passes to startServer: the workspace's emulator as the local WeChat. */
export const withLocalWechat = {
  localWechat: (base: Config): Promise<LocalWechat> =>
    startLocalWechat({ functionName: base.WECHAT_CLOUD_FUNCTION, ...(base.LEADNOTIFY_SHARED_SECRET ? { sharedSecret: base.LEADNOTIFY_SHARED_SECRET } : {}) }),
};

/** Everything `pnpm start` runs, in-process on a fresh SQLite database, with its logs captured (and, if given, a test clock). */
export async function startTestServer(env: Record<string, string> = {}, logLevel = 'warn', clock?: Clock): Promise<{ running: RunningServer<LocalWechat>; database: TestDatabase; logs: string[]; stop(): Promise<void> }> {
  const database = await createTestDatabase('sqlite');
  await database.db.close();
  const logs: string[] = [];
  const running = await startServer(
    loadConfig({ DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: logLevel, ...env }),
    createLogger(logLevel, new Writable({ write: (chunk, _encoding, done) => (logs.push(String(chunk)), done()) })),
    { ...withLocalWechat, ...(clock ? { clock } : {}) },
  );
  return {
    running,
    database,
    logs,
    async stop() {
      await running.stop();
      await database.drop();
    },
  };
}
