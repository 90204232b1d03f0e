/**
 * `pnpm start`: crm-api on its embedded defaults, composed with the workspace's WeChat emulator when no
 * AppSecret is set (a development tool: production runs packages/crm-api/src/main.ts, which never loads it).
 */
import { checkWechatConfig, ConfigError, createConsoleSignInLink, createLogger, loadConfig, loadEnvFile, onShutdownSignal, startLines, startServer, type DemoSeed, type RunningServer } from 'crm-api';
import { LEAD_TEMPLATES, readQrCode, startLocalWechat, terminalQrCode } from '@leadnotify/wechat-emulator';
import { randomBytes } from 'node:crypto';
import { playDemoTeam } from './demo-team.js';
import { z } from 'zod';

const localSettings = z.object({
  /** auto: without MINIPROGRAM_APPSECRET, start the local WeChat emulator and deliver to it; off: never. */
  WECHAT_EMULATOR: z.enum(['auto', 'off']).default('auto'),
  /** Port of the local emulator; 0 picks a free one. */
  WECHAT_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
});

/**
 * The emulator pushes WeChat's subscribe-message events to this API (safe mode) when no push is configured:
 * made-up secrets, good for this process only.
 */
function localPushSecrets(): { token: string; aesKey: string } | undefined {
  if (process.env.MINIPROGRAM_APPSECRET || process.env.WECHAT_PUSH_TOKEN) return undefined;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const aesKey = Array.from(randomBytes(43), (byte) => alphabet[byte % alphabet.length]).join('');
  const secrets = { token: randomBytes(16).toString('hex'), aesKey };
  process.env.WECHAT_PUSH_TOKEN = secrets.token;
  process.env.WECHAT_PUSH_AES_KEY = secrets.aesKey;
  return secrets;
}

async function main(): Promise<void> {
  loadEnvFile();
  const push = localPushSecrets();
  const config = loadConfig();
  // No credentials at all: the emulator (a developer's default). Some but not all: a mistake, refused.
  checkWechatConfig(config, { requireWechat: false });
  const local = localSettings.safeParse(process.env);
  if (!local.success) throw new ConfigError(local.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  const logger = createLogger(config.LOG_LEVEL);
  const running = await startServer(config, logger, {
    ...(local.data.WECHAT_EMULATOR === 'auto'
      ? {
          localWechat: (base) =>
            startLocalWechat({
              port: local.data.WECHAT_EMULATOR_PORT,
              portSetting: 'WECHAT_EMULATOR_PORT',
              ...(base.MINIPROGRAM_APPID ? { appId: base.MINIPROGRAM_APPID } : {}),
              ...(base.MINIPROGRAM_CLOUD_ENV ? { cloudEnv: base.MINIPROGRAM_CLOUD_ENV } : {}),
              ...(base.LEADNOTIFY_SHARED_SECRET ? { sharedSecret: base.LEADNOTIFY_SHARED_SECRET } : {}),
              functionName: base.WECHAT_CLOUD_FUNCTION,
              // The lead notice set up as docs/configuration.md recommends: three templates, three messages a tap.
              templates: LEAD_TEMPLATES,
            }),
        }
      : {}),
  });
  // Before anything is printed: Ctrl-C as soon as the service says it listens still shuts it down cleanly.
  onShutdownSignal(logger, () => running.stop());
  if (push && running.localWechat) {
    await running.localWechat.configurePush({ url: `${running.url}/wechat/push`, token: push.token, encodingAesKey: push.aesKey, mode: 'safe' });
  }
  // Plain line on stdout whatever LOG_LEVEL is: scripts and people wait for it.
  console.log(`crm-api listening on ${running.url}`);
  console.log(startLines(running));
  if (running.instructions) console.log(running.instructions);
  if (running.demo && running.localWechat) console.log(await playDemoTeam(running.demo, running.url, running.localWechat));
  if (running.demo) console.log(await demoConsoleLink(running));
  if (running.demo && running.localWechat) {
    console.log(await demoBindingCode(running.demo, running.url, running.localWechat.url, running.config.BINDING_SCENE_TTL_SECONDS));
  }
}

/** The demo admin's one-time link into the manager's console, at the address this process listens on. */
async function demoConsoleLink(running: RunningServer): Promise<string> {
  const admin = running.demo?.users.find((user) => user.role === 'admin');
  if (!admin) return '';
  const link = await createConsoleSignInLink(running.context, admin.id, { baseUrl: running.url });
  const minutes = running.config.CONSOLE_LINK_TTL_MINUTES;
  return [`The console, signed in as ${admin.name} (single use, valid ${minutes} min; a new one: npx pnpm@12.4.2 cli console:link --user ${admin.id}):`, `  ${link.url}`, ''].join('\n');
}

/** The openid of the phone that "scans" in the printed curl line. */
const DEMO_PHONE_OPENID = 'emu-phone';

/**
 * The second salesperson's binding code, fetched the way the CRM's web page does (GET /api/me/wechat-binding-qr),
 * drawn in the terminal, and the curl line that lets the emulator's simulated phone scan it. The second, so that
 * scanning does not move the first one (whom the curl lines above assign to) to a phone without subscriptions.
 */
async function demoBindingCode(seed: DemoSeed, apiUrl: string, emulatorUrl: string, ttlSeconds: number): Promise<string> {
  const sales = seed.users.filter((user) => user.role === 'sales');
  const who = sales[1] ?? sales[0];
  if (!who) return '';
  try {
    const response = await fetch(`${apiUrl}/api/me/wechat-binding-qr`, { headers: { authorization: `Bearer ${who.token}` } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const text = readQrCode(Buffer.from(await response.arrayBuffer()));
    if (!text) throw new Error('the PNG holds no readable QR code');
    const body = JSON.stringify({ qr: text, openid: DEMO_PHONE_OPENID, crmApiUrl: apiUrl }).replaceAll("'", "'\\''");
    return [
      `${who.name}'s WeChat binding code (single use, valid ${Math.round(ttlSeconds / 60)} min; a new one: GET /api/me/wechat-binding-qr):`,
      await terminalQrCode(text),
      `Let the emulator's phone "${DEMO_PHONE_OPENID}" scan it (then tap "accept" three times: POST ${emulatorUrl}/_emulator/users/${DEMO_PHONE_OPENID}/subscribe-popup {"results":["accept","accept","accept"]}):`,
      `curl -s -X POST ${emulatorUrl}/_emulator/scan -H 'content-type: application/json' -d '${body}'`,
      '',
    ].join('\n');
  } catch (error) {
    return `(could not fetch ${who.name}'s binding code: ${error instanceof Error ? error.message : String(error)})`;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `crm-api failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
