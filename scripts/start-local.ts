/**
 * `pnpm start`: crm-api on its embedded defaults, composed with the workspace's WeChat emulator when no
 * AppSecret is set (a development tool: production runs packages/crm-api/src/main.ts, which never loads it).
 */
import { checkWechatConfig, ConfigError, createLogger, loadConfig, loadEnvFile, onShutdownSignal, startLines, startServer } from 'crm-api';
import { startLocalWechat } from '@leadnotify/wechat-emulator';
import { z } from 'zod';

const localSettings = z.object({
  /** auto: without MINIPROGRAM_APPSECRET, start the local WeChat emulator and deliver to it; off: never. */
  WECHAT_EMULATOR: z.enum(['auto', 'off']).default('auto'),
  /** Port of the local emulator; 0 picks a free one. */
  WECHAT_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
});

async function main(): Promise<void> {
  loadEnvFile();
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
              ...(base.MINIPROGRAM_APPID ? { appId: base.MINIPROGRAM_APPID } : {}),
              ...(base.MINIPROGRAM_CLOUD_ENV ? { cloudEnv: base.MINIPROGRAM_CLOUD_ENV } : {}),
              ...(base.LEADNOTIFY_SHARED_SECRET ? { sharedSecret: base.LEADNOTIFY_SHARED_SECRET } : {}),
              functionName: base.WECHAT_CLOUD_FUNCTION,
            }),
        }
      : {}),
  });
  // Plain line on stdout whatever LOG_LEVEL is: scripts and people wait for it.
  console.log(`crm-api listening on ${running.url}`);
  console.log(startLines(running));
  if (running.instructions) console.log(running.instructions);
  onShutdownSignal(logger, () => running.stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `crm-api failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
