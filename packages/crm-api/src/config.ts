import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/** Every variable the API reads; documented once in .env.example and docs/configuration.md. */
const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** A postgres:// URL, or a SQLite file path. */
  DATABASE_URL: z.string().trim().min(1).default('./data/leadnotify.db'),
  BODY_LIMIT: z.string().default('1mb'),
  BATCH_ASSIGN_MAX: positiveInt(1000),
  POOL_MAX_OWNED_CUSTOMERS: positiveInt(200),
  POOL_MAX_DAILY_CLAIMS: positiveInt(20),
  POOL_RECLAIM_COOLDOWN_HOURS: nonNegativeInt(72),

  MINIPROGRAM_APPID: optionalText,
  MINIPROGRAM_APPSECRET: optionalText,
  MINIPROGRAM_CLOUD_ENV: optionalText,
  WECHAT_API_BASE_URL: z.url().default('https://api.weixin.qq.com'),
  WECHAT_CLOUD_FUNCTION: z.string().trim().min(1).default('quickstartFunctions'),
  WECHAT_TOKEN_MODE: z.enum(['stable', 'classic']).default('stable'),
  WECHAT_TOKEN_TIMEOUT_MS: positiveInt(5000),
  WECHAT_INVOKE_TIMEOUT_MS: positiveInt(8000),
  /** Shared with the cloud function: signs binding tickets. Secret. */
  LEADNOTIFY_SHARED_SECRET: optionalText.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  BINDING_TICKET_TTL_SECONDS: z.coerce.number().int().min(30).max(600).default(300),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Parses the environment once; lists every problem at once. Values are never echoed (some are secrets). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return Object.freeze(parsed.data);
}
