import { randomBytes } from 'node:crypto';
import { spawnTs, startChildApi, type ChildService } from '../../test/helpers/child-process.js';
import { emulatorControl, startEmulatorProcess } from '../processes.js';
import type { Engine } from './options.js';

/** The host mini program's own templates: its dialogs, its messages and their receipts are not ours. */
export const HOST_TEMPLATES = [
  { id: 'host-order-shipped', keywords: ['thing1', 'character_string2'] },
  { id: 'host-visit-reminder', keywords: ['thing1', 'time2'] },
] as const;

export interface SoakWechat {
  child: ChildService;
  url: string;
  /** The template the cloud function sends (the emulator's first). */
  ourTemplateId: string;
  /** What points crm-api at the emulator as if it were WeChat. */
  env: Record<string, string>;
  control(method: string, path: string, body?: unknown): Promise<any>;
}

/** The emulator as its own process, knowing the host's templates besides ours. */
export async function startSoakWechat(): Promise<SoakWechat> {
  const secret = randomBytes(16).toString('hex');
  const extraTemplates = HOST_TEMPLATES.flatMap((template) => ['--extra-template', `${template.id}:${template.keywords.join(',')}`]);
  const child = await startEmulatorProcess(secret, extraTemplates);
  const control = (method: string, path: string, body?: unknown) => emulatorControl(child.url, method, path, body);
  const info = await control('GET', '/info');
  return {
    child,
    url: child.url,
    ourTemplateId: info.templates[0].id,
    env: { MINIPROGRAM_APPID: info.appId, MINIPROGRAM_APPSECRET: secret, MINIPROGRAM_CLOUD_ENV: info.cloudEnv, WECHAT_API_BASE_URL: child.url },
    control,
  };
}

/** 消息推送 as the console sets it: safe mode, a made-up Token and EncodingAESKey shared by WeChat and the APIs. */
export function pushSecrets() {
  const letters = (bytes: number, length: number) => randomBytes(bytes).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(length, 'x').slice(0, length);
  return { token: letters(24, 32), aesKey: letters(48, 43) };
}

/** A crm-api or worker process the soak kills with SIGKILL, pauses with SIGSTOP, and starts again on the same port. */
export interface SoakProcess {
  name: string;
  kind: 'api' | 'worker';
  /** The API's URL, the same across restarts (undefined for the worker). */
  url(): string | undefined;
  running(): boolean;
  paused(): boolean;
  start(): Promise<void>;
  /** kill -9: no shutdown, leases and in-flight invocations left as they are. */
  killHard(): Promise<void>;
  /** SIGSTOP: the process holds its connections and answers nothing until resume(). */
  pause(): void;
  resume(): void;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  counts: { kills: number; pauses: number; starts: number };
  /** The last lines of every run's output, for a failure message. */
  outputTail(): string;
}

function soakProcess(name: string, kind: SoakProcess['kind'], launch: (port: string | undefined) => Promise<ChildService>): SoakProcess {
  let child: ChildService | undefined;
  let port: string | undefined;
  let isPaused = false;
  let previousOutput = '';
  const counts = { kills: 0, pauses: 0, starts: 0 };
  return {
    name,
    kind,
    counts,
    url: () => (kind === 'api' && port ? `http://127.0.0.1:${port}` : undefined),
    running: () => child?.running() === true,
    paused: () => isPaused,
    async start() {
      if (child?.running()) return;
      if (child) previousOutput = (previousOutput + child.output()).slice(-20_000);
      child = await launch(port);
      if (kind === 'api') port = new URL(child.url).port;
      counts.starts++;
    },
    async killHard() {
      if (!child?.running()) return;
      if (isPaused) this.resume();
      counts.kills++;
      await child.kill('SIGKILL');
    },
    pause() {
      if (!child?.running() || isPaused) return;
      process.kill(child.pid, 'SIGSTOP');
      isPaused = true;
      counts.pauses++;
    },
    resume() {
      if (!isPaused || !child) return;
      isPaused = false;
      if (child.running()) process.kill(child.pid, 'SIGCONT');
    },
    async stop() {
      this.resume();
      await child?.stop();
    },
    outputTail: () => (previousOutput + (child?.output() ?? '')).slice(-4000),
  };
}

export interface Cluster {
  engine: Engine;
  apis: SoakProcess[];
  /** The separate notifier (PostgreSQL runs); the SQLite API delivers inline. */
  worker?: SoakProcess;
  all: SoakProcess[];
  /** Points WeChat's message push at one API's /wechat/push (no URL check: it may be down right now). */
  pushTo(api: SoakProcess): Promise<void>;
  pushTarget(): SoakProcess;
}

/**
 * SQLite: one API delivering inline. PostgreSQL: two APIs with NOTIFIER=off and one worker. Every process gets
 * the emulator as its WeChat and the same push secrets; the environment is the product's defaults except what
 * lets a few minutes of traffic run: pool limits a salesperson reaches only over days, and retries that back
 * off at most 20 s so the drain can end.
 */
export async function startCluster(options: { engine: Engine; databaseUrl: string; wechat: SoakWechat; receiptWaitMinutes?: number }): Promise<Cluster> {
  const secrets = pushSecrets();
  const env = {
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: 'warn',
    ...options.wechat.env,
    WECHAT_PUSH_TOKEN: secrets.token,
    WECHAT_PUSH_AES_KEY: secrets.aesKey,
    POOL_MAX_DAILY_CLAIMS: '100000',
    POOL_RECLAIM_COOLDOWN_HOURS: '0',
    POOL_MAX_OWNED_CUSTOMERS: '100000',
    NOTIFY_BACKOFF_MAX_MS: '20000',
    ...(options.receiptWaitMinutes ? { NOTIFY_RECEIPT_WAIT_MINUTES: String(options.receiptWaitMinutes) } : {}),
  };
  const api = (name: string, notifier: 'inline' | 'off') =>
    soakProcess(name, 'api', (port) => startChildApi({ ...env, NOTIFIER: notifier, ...(port ? { PORT: port } : {}) }, 60_000));
  const apis = options.engine === 'sqlite' ? [api('api', 'inline')] : [api('api-1', 'off'), api('api-2', 'off')];
  const worker =
    options.engine === 'postgres'
      ? soakProcess('worker', 'worker', () =>
          spawnTs('packages/crm-api/src/worker-main.ts', { env: { ...env, WORKER_METRICS_PORT: '0', HOST: '127.0.0.1' }, ready: /worker metrics on (http:\/\/localhost:\d+)/, timeoutMs: 60_000 }),
        )
      : undefined;
  const all = worker ? [...apis, worker] : apis;
  for (const service of all) await service.start();

  let target = apis[0]!;
  const pushTo = async (next: SoakProcess) => {
    target = next;
    const settings = { url: `${next.url()}/wechat/push`, token: secrets.token, encodingAesKey: secrets.aesKey, mode: 'safe' };
    await options.wechat.control('PUT', '/push?verify=false', settings);
  };
  // Saving 消息推送 in the console checks the URL first: the first API must answer WeChat's echostr.
  const check = await options.wechat.control('PUT', '/push', { url: `${target.url()}/wechat/push`, token: secrets.token, encodingAesKey: secrets.aesKey, mode: 'safe' });
  if (!check.settings) throw new Error(`soak: WeChat's URL check of ${target.url()}/wechat/push failed: ${JSON.stringify(check)}`);
  return { engine: options.engine, apis, ...(worker ? { worker } : {}), all, pushTo, pushTarget: () => target };
}
