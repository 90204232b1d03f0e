import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { LEAD_TEMPLATES, startLocalWechat, type LocalWechat } from '@leadnotify/wechat-emulator';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { createConsoleSignInLink } from '../../src/domain/console-sessions.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** Debian's Chromium (apt-get install chromium fonts-wqy-microhei), driven by playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is absent (apt-get install -y chromium fonts-wqy-microhei)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** A browser profile as a person in China has it: Chinese, Beijing time; phone width when asked. */
export function consoleBrowserContext(browser: Browser, options: { phone?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: options.phone ? { width: 390, height: 844 } : { width: 1280, height: 860 },
    ...(options.phone ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}),
  });
}

/**
 * What `pnpm start` runs, on a fresh database: crm-api with the notifier, the emulator's WeChat (three lead templates,
 * message push to the API) and its WeCom.
 */
export async function startConsoleServer(engine: 'sqlite' | 'postgres' = 'sqlite', env: Record<string, string> = {}) {
  const database: TestDatabase = await createTestDatabase(engine);
  await database.db.close();
  const emulator: LocalWechat = await startLocalWechat({ functionName: 'quickstartFunctions', templates: LEAD_TEMPLATES });
  const push = { token: 'consoleTestPushToken', aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
  /** Added to real time on crm-api's clock: a test lets a sign-in code expire without waiting minutes. */
  let offsetMs = 0;
  const running: RunningServer = await startServer(
    loadConfig({
      DATABASE_URL: database.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NOTIFY_POLL_MS: '50',
      NOTIFY_BACKOFF_BASE_MS: '50',
      NOTIFY_BACKOFF_MAX_MS: '200',
      WECHAT_PUSH_TOKEN: push.token,
      WECHAT_PUSH_AES_KEY: push.aesKey,
      ...emulator.env,
      WECOM_CORP_ID: emulator.wecom.corp.corpId,
      WECOM_AGENT_ID: String(emulator.wecom.corp.agentId),
      WECOM_AGENT_SECRET: emulator.wecom.corp.agentSecret,
      WECOM_API_BASE_URL: emulator.url,
      WECOM_CARD_URL: 'https://crm.example.com/customers/{customerId}',
      ...env,
    }),
    createLogger('warn', new Writable({ write: (_chunk, _encoding, done) => done() })),
    { clock: { now: () => Date.now() + offsetMs } },
  );
  await emulator.configurePush({ url: `${running.url}/wechat/push`, token: push.token, encodingAesKey: push.aesKey, mode: 'safe' });
  return {
    running,
    emulator,
    database,
    /** Moves crm-api's clock to `ms` after real time (0: back to real time, which the emulator's vouches are on). */
    setClockAhead(ms: number): void {
      offsetMs = ms;
    },
    /** The path of a one-time sign-in link, as `pnpm cli console:link --user` prints it. */
    async signInPath(userId: string): Promise<string> {
      const link = await createConsoleSignInLink(running.context, userId);
      const url = new URL(link.url);
      return `${url.pathname}${url.search}`;
    },
    async stop() {
      await running.stop();
      await emulator.stop();
      await database.drop();
    },
  };
}

export type ConsoleServer = Awaited<ReturnType<typeof startConsoleServer>>;
