import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import type { Db } from './db/database.js';
import { backgroundCheckpointsLoggingTo, openConfiguredDatabase } from './database-from-config.js';
import { demoInstructions, localPhoneOf, seedDemoIfEmpty, type DemoSeed } from './demo-seed.js';
import type { Notifier } from './delivery/notifier.js';
import { notifierFromConfig } from './delivery/notifier-from-config.js';
import { wechatFromConfig } from './delivery/wechat-from-config.js';
import { wecomFromConfig } from './delivery/wecom-from-config.js';
import { createPushInbox } from './delivery/channels/wechat-subscribe/index.js';
import { OPERATOR } from './domain/actor.js';
import { reachabilityOfUsers, salespeopleByExpectation } from './domain/reachability.js';
import { listUsers } from './domain/users.js';
import { createApp } from './http/app.js';
import { answerClientError } from './http/answer-client-error.js';
import { createMetrics } from './metrics/metrics.js';

/**
 * A stand-in for WeChat on this machine (the workspace's emulator): `pnpm start` and the end-to-end tests
 * pass one in; production never does, so crm-api never depends on it.
 */
export interface LocalWechat {
  url: string;
  /** The variables that point the API at it as if it were WeChat. */
  env: Pick<Config, 'MINIPROGRAM_APPID' | 'MINIPROGRAM_APPSECRET' | 'MINIPROGRAM_CLOUD_ENV' | 'WECHAT_API_BASE_URL' | 'LEADNOTIFY_SHARED_SECRET'>;
  /** Binds a CRM user to a simulated WeChat user with this many one-time subscriptions. */
  setupUser(crmUserId: string, subscriptions: number): Promise<unknown>;
  /** Its WeCom side: the corp and application the API is pointed at, and its members. */
  wecom: { corp: { corpId: string; agentId: number; agentSecret: string }; addMember(userid: string): void };
  stop(): Promise<void>;
}

export interface ServerOptions<L extends LocalWechat> {
  clock?: Clock;
  /** Started when no AppSecret is configured; the service then delivers to it and seeds a demo. */
  localWechat?: (config: Config) => Promise<L>;
}

export interface RunningServer<L extends LocalWechat = LocalWechat> {
  url: string;
  db: Db;
  /** Which database it opened (engine and file, or host and database; no password). */
  database: string;
  config: Config;
  /** What route handlers get; for scripts that call domain functions against the running service. */
  context: AppContext;
  localWechat: L | undefined;
  notifier: Notifier | undefined;
  /** Printed for a newcomer when a demo was seeded. */
  instructions: string | undefined;
  /** The demo just seeded (users with their tokens), so `pnpm start` can print a binding code; undefined otherwise. */
  demo: DemoSeed | undefined;
  stop(): Promise<void>;
}

/** Subscriptions granted to every local user, so the demo keeps delivering. */
const LOCAL_SUBSCRIPTIONS = 1000;

/**
 * Everything the service runs: database and migrations, the HTTP API and the in-process notifier — and,
 * when a local WeChat is passed and no AppSecret is set, that local WeChat with a demo on an empty database.
 */
export async function startServer<L extends LocalWechat = LocalWechat>(
  baseConfig: Config,
  logger: Logger,
  options: ServerOptions<L> = {},
): Promise<RunningServer<L>> {
  const clock = options.clock ?? systemClock;
  const { db, description: database } = await openConfiguredDatabase(baseConfig, backgroundCheckpointsLoggingTo(logger));
  try {
    return await startOnDatabase(baseConfig, logger, options, clock, db, database);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

async function startOnDatabase<L extends LocalWechat>(
  baseConfig: Config,
  logger: Logger,
  options: ServerOptions<L>,
  clock: Clock,
  db: Db,
  database: string,
): Promise<RunningServer<L>> {
  let config = baseConfig;
  const localWechat = !config.MINIPROGRAM_APPSECRET && options.localWechat ? await options.localWechat(config) : undefined;
  if (localWechat) {
    // The local WeChat has WeCom's side too: the second channel is on, unless WeCom is configured for real.
    const localWecom = config.WECOM_CORP_ID
      ? {}
      : {
          WECOM_CORP_ID: localWechat.wecom.corp.corpId,
          WECOM_AGENT_ID: localWechat.wecom.corp.agentId,
          WECOM_AGENT_SECRET: localWechat.wecom.corp.agentSecret,
          WECOM_API_BASE_URL: localWechat.url,
          // The demo has no CRM web page of a customer: the card opens the console's notifications of that lead.
          WECOM_CARD_URL: config.WECOM_CARD_URL ?? `http://localhost:${config.PORT}/console/#/notifications?customerId={customerId}`,
          WECOM_MESSAGE: 'textcard' as const,
        };
    config = Object.freeze({ ...config, ...localWechat.env, ...localWecom });
    logger.warn(
      { wechat: localWechat.url },
      `MINIPROGRAM_APPSECRET is not set: using the local WeChat emulator at ${localWechat.url} (messages: ${localWechat.url}/_emulator/messages). Set the WeChat variables to deliver for real.`,
    );
  }

  const metrics = createMetrics();
  metrics.watchOutbox(db, clock);
  // One client, so the notifier and the API's own calls (binding codes) share one access token.
  const wechat = wechatFromConfig(config, logger, metrics.observeWechat);
  let notifier: Notifier | undefined;
  if (config.NOTIFIER === 'inline') {
    const setup = notifierFromConfig({ db, config, clock, logger, metrics, wechat });
    notifier = setup.notifier;
    if (!setup.notifier) logger.warn(`WeChat is not configured (${setup.reason}): assignments work, notifications wait as pending until it is`);
  } else {
    logger.info('NOTIFIER=off: this process does not deliver notifications; run `pnpm worker`');
  }
  const wakeNotifier = notifier ? () => notifier.wake() : signalWorker(db, logger);
  const context: AppContext = {
    db,
    config,
    clock,
    logger,
    metrics,
    wakeNotifier,
    ...(wechat.client ? { wechat: wechat.client, cloudFunction: wechat.cloudFunction } : {}),
  };
  const wecom = wecomFromConfig(config, { clock, logger, onRequest: metrics.observeWechat });
  if (wecom) context.wecom = wecom;
  // WeChat's pushes reach this process: it applies them (with retries), whichever process delivers.
  const pushInbox = config.WECHAT_PUSH_TOKEN
    ? createPushInbox({ db, config, clock, metrics, logger: logger.child({ component: 'push-inbox' }), wake: wakeNotifier, cloudFunction: wechat.cloudFunction })
    : undefined;
  if (pushInbox) context.pushInbox = pushInbox;
  metrics.watchSalespeople(() => salespeopleByExpectation(context));
  const seed = localWechat ? await seedDemoIfEmpty(context) : undefined;
  if (localWechat) {
    // The emulator forgets everything on restart: bind and subscribe the active users again, as the demo state just
    // seeded says, or as far as the CRM's own facts allow (demo-seed.ts localPhoneOf).
    const users = await listUsers(context, OPERATOR, { active: true });
    const known = await reachabilityOfUsers(context, users.map((user) => user.id));
    for (const user of users) {
      const reach = known.get(user.id);
      const state = seed?.users.find((seeded) => seeded.id === user.id)?.state;
      const phone = localPhoneOf(state, reach ?? { bound: null, turnedOff: false, mainSwitchOff: false, wecomUserId: user.wecomUserId, wecomReachable: true }, LOCAL_SUBSCRIPTIONS);
      if (user.wecomUserId && phone.wecomMember) localWechat.wecom.addMember(user.wecomUserId);
      if (phone.bind) await localWechat.setupUser(user.id, phone.subscriptions);
    }
  }

  let server: Server;
  try {
    server = await listen(createApp(context), config);
  } catch (error) {
    await localWechat?.stop();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  logger.info({ port, host: config.HOST, database, wechat: localWechat ? 'emulator' : config.WECHAT_API_BASE_URL }, `crm-api listening on ${url}`);
  notifier?.start();
  pushInbox?.start();

  return {
    url,
    db,
    database,
    config,
    context,
    localWechat,
    notifier,
    instructions: seed && localWechat ? demoInstructions(seed, url, localWechat.url) : undefined,
    demo: seed,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await pushInbox?.stop();
      await notifier?.stop();
      await localWechat?.stop();
      await db.close();
    },
  };
}

/**
 * With a separate worker (NOTIFIER=off), what wakes it: on PostgreSQL a NOTIFY it listens for, sent without making the
 * caller wait; on SQLite nothing (the worker polls).
 */
function signalWorker(db: Db, logger: Logger): () => void {
  const signal = db.signalOutbox;
  if (!signal) return () => {};
  return () => void signal().catch((error: unknown) => logger.warn({ err: error }, 'could not wake the worker; it delivers at its next poll'));
}

/** Listens on HOST:PORT; a port already taken is a message saying what to do, not a stack trace. */
function listen(app: ReturnType<typeof createApp>, config: Config): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Timeouts set on purpose: Node's defaults hold a stalled request body open for five minutes. The checking
    // interval is how often Node looks for expired requests (its default, 30 s, would outlive a short timeout).
    const requestTimeout = config.HTTP_REQUEST_TIMEOUT_MS;
    const server = createServer(
      {
        requestTimeout,
        headersTimeout: Math.min(config.HTTP_HEADERS_TIMEOUT_MS, requestTimeout),
        keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
        connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestTimeout / 4))),
      },
      app,
    );
    server.on('clientError', answerClientError);
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new Error(`port ${config.PORT} is in use; set PORT (0 picks a free port)`));
      else if (error.code === 'EADDRNOTAVAIL') reject(new Error(`HOST ${config.HOST} is not an address of this machine; set HOST`));
      else if (error.code === 'EACCES') reject(new Error(`not allowed to listen on port ${config.PORT}; set PORT above 1023`));
      else reject(error);
    });
    server.listen(config.PORT, config.HOST, () => resolve(server));
  });
}

/** What every start prints after its URL: the database it opened, and how to get a token for it. */
export function startLines(running: Pick<RunningServer, 'database'>): string {
  return [
    `database: ${running.database}`,
    'new API token (e.g. lost the demo tokens): npx pnpm@12.4.2 cli token:create --user USER_ID  (same database; npx pnpm@12.4.2 cli user:list shows the ids)',
  ].join('\n');
}
