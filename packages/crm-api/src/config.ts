import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MINIPROGRAM_PAGES } from '@leadnotify/contracts';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';

/**
 * The repository root: `.env` and relative SQLite paths resolve from here for every command (`pnpm start`,
 * `pnpm cli`, `pnpm worker`, `notify:smoke`, pm2), whatever directory pnpm runs it in.
 */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Loads the environment file into process.env (variables already set win): `<repository root>/.env`, or the file
 * LEADNOTIFY_ENV_FILE names; `none` loads none. The tests set `none`, so a developer's filled `.env` never changes
 * what the processes they start are testing.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env, defaultFile = resolve(WORKSPACE_ROOT, '.env')): void {
  const chosen = env.LEADNOTIFY_ENV_FILE?.trim();
  if (chosen === 'none') return;
  loadDotenv({ path: chosen ? resolve(WORKSPACE_ROOT, chosen) : defaultFile, quiet: true, processEnv: env as Record<string, string> });
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/** Express's names for address ranges it can trust as proxies. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Which proxies' X-Forwarded-For the API believes for the client address (the auth throttle counts per address, the
 * request log shows it): `false` (none: clients connect directly), a number of hops (a load balancer or two in front),
 * or a list of addresses, subnets and Express's names (`loopback` — a proxy on this host —, `linklocal`, `uniquelocal`).
 * Trusting every proxy (`true`) is refused: any client could then claim any address.
 */
const trustProxySchema = z
  .string()
  .trim()
  .default('loopback')
  .transform((value, context): false | number | string[] => {
    if (value === 'false') return false;
    if (/^[0-9]+$/.test(value)) return Number(value);
    const entries = value.split(',').map((entry) => entry.trim());
    const invalid = entries.filter((entry) => {
      if (PROXY_RANGE_NAMES.has(entry)) return false;
      const [address, prefix, ...rest] = entry.split('/');
      const version = isIP(address ?? '');
      if (version === 0 || rest.length > 0) return true;
      return prefix !== undefined && !(/^[0-9]+$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
    });
    if (invalid.length > 0 || value === '') {
      context.addIssue({ code: 'custom', message: `not a proxy address, subnet, hop count or one of false, loopback, linklocal, uniquelocal: ${invalid.join(', ') || '(empty)'}` });
      return z.NEVER;
    }
    return entries;
  });

/** Every variable the API reads; documented once in .env.example and docs/configuration.md. */
const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Loopback by default: a local start is not reachable from the network; production sets HOST explicitly. */
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** A postgres:// URL, or a SQLite file path (relative paths resolve from the repository root). */
  DATABASE_URL: z
    .string()
    .trim()
    .min(1)
    .default('./data/leadnotify.db')
    .refine((url) => databaseKind(url) !== 'unknown', {
      message: 'unsupported scheme: use a SQLite file path (e.g. ./data/leadnotify.db) or postgres://user@host:5432/db',
    })
    .transform(resolveDatabaseUrl),
  BODY_LIMIT: z.string().default('1mb'),
  /** A whole request (headers and body) must arrive within this; a stalled body is cut off (408). */
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  /** The headers must arrive within this (capped at HTTP_REQUEST_TIMEOUT_MS). */
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(10_000),
  /** An idle keep-alive connection is closed after this. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(5_000),
  /** Lifetime of a new API token, days: at most ten years (expiry times are compared as ISO strings of four-digit years). */
  API_TOKEN_TTL_DAYS: z.coerce.number().int().positive().max(3650).default(90),
  TRUST_PROXY: trustProxySchema,
  /** Failed authentications per client address within the window before 429 (in memory, per process). */
  AUTH_FAILURE_LIMIT: positiveInt(10),
  AUTH_FAILURE_WINDOW_SECONDS: positiveInt(300),
  /** How long a console sign-in (its cookie) lasts, hours. */
  CONSOLE_SESSION_HOURS: z.coerce.number().int().min(1).max(720).default(12),
  /** How long a one-time console sign-in link (pnpm cli console:link) may be used, minutes. */
  CONSOLE_LINK_TTL_MINUTES: z.coerce.number().int().min(1).max(60).default(10),
  /** How long the console's sign-in code may be scanned and confirmed, and the sign-in completed, seconds. */
  CONSOLE_SCAN_TTL_SECONDS: z.coerce.number().int().min(60).max(900).default(180),
  /** The kit's page the console's sign-in code opens: no leading /, no query. */
  WECHAT_CONSOLE_SIGN_IN_PAGE: z.string().trim().regex(/^[^/?#\s][^?#\s]*$/, 'a page path such as pages/console-sign-in/index').default(MINIPROGRAM_PAGES.consoleSignIn),
  /**
   * true: the console cookie is always Secure. Otherwise it is Secure when the request came over HTTPS (as the proxy
   * said, trusted on loopback only): set true behind a TLS proxy elsewhere.
   */
  CONSOLE_COOKIE_SECURE: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  /** Where people reach this service (https://crm.example.com): the start of a printed console sign-in link. */
  PUBLIC_BASE_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  BATCH_ASSIGN_MAX: positiveInt(1000),
  POOL_MAX_OWNED_CUSTOMERS: positiveInt(200),
  POOL_MAX_DAILY_CLAIMS: positiveInt(20),
  POOL_RECLAIM_COOLDOWN_HOURS: nonNegativeInt(72),

  MINIPROGRAM_APPID: optionalText,
  MINIPROGRAM_APPSECRET: optionalText,
  MINIPROGRAM_CLOUD_ENV: optionalText,
  WECHAT_API_BASE_URL: z.url().default('https://api.weixin.qq.com'),
  WECHAT_CLOUD_FUNCTION: z.string().trim().min(1).default('quickstartFunctions'),
  /** WeCom (企业微信), the second channel: all three or none (checked below). The secret is never echoed. */
  WECOM_CORP_ID: optionalText,
  WECOM_AGENT_ID: z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), z.coerce.number().int().positive().optional()),
  WECOM_AGENT_SECRET: optionalText,
  WECOM_API_BASE_URL: z.url().default('https://qyapi.weixin.qq.com'),
  /**
   * How a WeCom message shows a lead: `miniprogram_notice` opens the customer page of the mini program (only when the
   * mini program is associated with the WeCom organisation), `textcard` opens WECOM_CARD_URL.
   */
  WECOM_MESSAGE: z.enum(['textcard', 'miniprogram_notice']).default('textcard'),
  /** The textcard's link; `{customerId}` and `{deliveryId}` are filled in. */
  WECOM_CARD_URL: optionalText.pipe(z.url().optional()),
  /** The channels in the order a message tries them; a later one when an earlier cannot reach the salesperson. */
  NOTIFY_CHANNELS: z
    .string()
    .trim()
    .default('wechat-subscribe,wecom')
    .transform((text) => text.split(',').map((name) => name.trim()).filter((name) => name !== ''))
    .pipe(z.array(z.enum(['wechat-subscribe', 'wecom'])).min(1)),
  WECHAT_TOKEN_MODE: z.enum(['stable', 'classic']).default('stable'),
  WECHAT_TOKEN_TIMEOUT_MS: positiveInt(5000),
  WECHAT_INVOKE_TIMEOUT_MS: positiveInt(8000),
  /**
   * inline: the API process delivers notifications; off (or worker, its other name): run `pnpm worker` instead, which
   * PostgreSQL wakes at once (LISTEN/NOTIFY) and SQLite at its next poll.
   */
  NOTIFIER: z
    .enum(['inline', 'off', 'worker'], { error: 'must be inline (this process delivers) or off / worker (a separate `pnpm worker` delivers)' })
    .default('inline')
    .transform((value) => (value === 'worker' ? 'off' : value)),
  /** The separate worker serves /metrics and /healthz on this port when set (0 = any free port). */
  WORKER_METRICS_PORT: z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number().int().min(0).max(65535).optional()),
  /** > 0 merges a user's notifications created within this many seconds into one message. */
  NOTIFY_DIGEST_SECONDS: nonNegativeInt(0),
  /** Notifications per cloud-function invocation (the function's SEND_BATCH_MAX). */
  NOTIFY_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(20),
  /** The most invocations in flight at once per worker: loops start as work waits and end when idle, up to this. */
  NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(16),
  NOTIFY_POLL_MS: positiveInt(1000),
  NOTIFY_LEASE_SECONDS: positiveInt(60),
  NOTIFY_MAX_ATTEMPTS: positiveInt(10),
  NOTIFY_MAX_AGE_HOURS: positiveInt(24),
  NOTIFY_BACKOFF_BASE_MS: positiveInt(2000),
  NOTIFY_BACKOFF_MAX_MS: positiveInt(600_000),
  /** Shared with the cloud function: signs binding tickets. Secret. */
  LEADNOTIFY_SHARED_SECRET: optionalText.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  BINDING_TICKET_TTL_SECONDS: z.coerce.number().int().min(30).max(600).default(300),
  /** How long a mini-program session token (POST /api/wechat-session) is valid; the kit renews it before it ends. */
  WECHAT_SESSION_TTL_SECONDS: z.coerce.number().int().min(600).max(86_400).default(7200),
  /** The Token of the mini program's message push (开发管理 → 消息推送); enables POST /wechat/push. Secret. */
  WECHAT_PUSH_TOKEN: optionalText,
  /** The EncodingAESKey of the message push (43 characters), for compatible and safe mode. Secret. */
  WECHAT_PUSH_AES_KEY: z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .refine((value) => value === undefined || /^[A-Za-z0-9]{43}$/.test(value), 'must be the 43-character EncodingAESKey'),
  /** A push whose timestamp is further than this from now is refused as a replay. */
  WECHAT_PUSH_MAX_AGE_SECONDS: positiveInt(300),
  /**
   * With message push configured, an unconfirmed delivery that gets no delivery receipt within this many
   * minutes is sent again (WeChat's receipts arrive within seconds when a message was delivered).
   */
  NOTIFY_RECEIPT_WAIT_MINUTES: positiveInt(10),
  /** When a salesperson accepts a subscription, their skipped notifications of this many past days go out as one digest. */
  NOTIFY_CATCH_UP_DAYS: nonNegativeInt(3),
  /** How long a binding code (the scene of a binding mini-program code) may be scanned. */
  BINDING_SCENE_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  /** The mini-program kit's bind page a binding code opens: no leading /, no query. */
  WECHAT_BIND_PAGE: z.string().trim().regex(/^[^/?#\s][^?#\s]*$/, 'a page path such as pages/bind/index').default(MINIPROGRAM_PAGES.bind),
  /** false while the bind page is not in the released version (trial or develop builds). */
  WECHAT_QR_CHECK_PATH: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  /** Which version of the mini program a binding code opens. */
  WECHAT_QR_ENV_VERSION: z.enum(['release', 'trial', 'develop']).default('release'),
});

/** A URL scheme (`mysql://`, `sqlite:`…) or a Windows-less path: which engine a DATABASE_URL names. */
export function databaseKind(url: string): 'postgres' | 'sqlite' | 'unknown' {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgres';
  if (/^sqlite:/i.test(url) || url === ':memory:') return 'sqlite';
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return 'unknown';
  return 'sqlite';
}

/** Relative SQLite paths resolve from the repository root, so every command opens the same file. */
export function resolveDatabaseUrl(url: string): string {
  if (databaseKind(url) !== 'sqlite' || url === ':memory:') return url;
  const file = url.replace(/^sqlite:(\/\/)?/i, '');
  return file === ':memory:' || isAbsolute(file) ? file : resolve(WORKSPACE_ROOT, file);
}

/** The database a process opened, for its start line: never the password. */
export function describeDatabase(url: string): string {
  if (databaseKind(url) !== 'postgres') return `SQLite ${url}`;
  try {
    const parsed = new URL(url);
    return `PostgreSQL ${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL is not a valid URL)';
  }
}

export type Config = Readonly<z.infer<typeof configSchema>>;

/** Every variable the API's configuration reads: docs/configuration.md's API table lists exactly these (a test checks). */
export const CONFIG_VARIABLES = Object.keys(configSchema.shape) as ReadonlyArray<keyof Config>;

/**
 * The exit status of a configuration error (sysexits' EX_CONFIG): the ecosystem file lists it in pm2's
 * `stop_exit_codes`, because starting again cannot fix a wrong .env. Other failures (a database not up yet) exit 1
 * and pm2 tries again, waiting longer each time.
 */
export const EXIT_CONFIG = 78;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const WECHAT_VARIABLES = ['MINIPROGRAM_APPID', 'MINIPROGRAM_APPSECRET', 'MINIPROGRAM_CLOUD_ENV'] as const;

/**
 * WeChat is configured all or nothing: a half-filled configuration is a typo, never a reason to fall back to
 * the emulator. `requireWechat` (production) refuses none at all too.
 */
export function checkWechatConfig(config: Config, options: { requireWechat: boolean }): void {
  const missing = WECHAT_VARIABLES.filter((name) => !config[name]);
  if (missing.length === 0) return;
  if (missing.length < WECHAT_VARIABLES.length) {
    throw new ConfigError([`${missing.join(', ')}: not set, while ${WECHAT_VARIABLES.filter((name) => !missing.includes(name)).join(', ')} is; set all three WeChat variables or none`]);
  }
  if (options.requireWechat) {
    throw new ConfigError([`${missing.join(', ')}: not set; NODE_ENV=production needs WeChat configured (the local emulator is only for \`pnpm start\`)`]);
  }
}

const WECOM_VARIABLES = ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_AGENT_SECRET'] as const;

/** WeCom, like WeChat, is configured all or nothing; a textcard needs its link. */
function wecomProblems(config: z.infer<typeof configSchema>): string[] {
  const missing = WECOM_VARIABLES.filter((name) => config[name] === undefined);
  if (missing.length === WECOM_VARIABLES.length) return [];
  if (missing.length > 0) return [`${missing.join(', ')}: not set, while ${WECOM_VARIABLES.filter((name) => !missing.includes(name)).join(', ')} is; set all three WeCom variables or none`];
  if (config.WECOM_MESSAGE === 'textcard' && !config.WECOM_CARD_URL) return ['WECOM_CARD_URL: a textcard needs the link it opens (e.g. https://crm.example.com/customers/{customerId}); or WECOM_MESSAGE=miniprogram_notice'];
  if (config.WECOM_MESSAGE === 'miniprogram_notice' && !config.MINIPROGRAM_APPID) return ['WECOM_MESSAGE=miniprogram_notice opens the mini program MINIPROGRAM_APPID names: set it'];
  return [];
}

/** Parses the environment once; lists every problem at once. Values are never echoed (some are secrets). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const problems = wecomProblems(parsed.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(parsed.data);
}
