import { Writable } from 'node:stream';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/http/app.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { createApiToken } from '../../src/domain/api-tokens.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import type { Engine } from '../../src/db/database.js';
import type { Role } from '../../src/domain/roles.js';
import { createCustomer, type NewCustomer } from '../../src/domain/customers.js';
import { createLogger } from '../../src/logger.js';
import type { LoopGate } from '../../src/delivery/process-load.js';
import { createNotifier, type Notifier } from '../../src/delivery/notifier.js';
import { wechatFromConfig } from '../../src/delivery/wechat-from-config.js';
import { createPushInbox, createWechatSubscribeChannel } from '../../src/delivery/channels/wechat-subscribe/index.js';
import type { DeliveryDeps } from '../../src/delivery/deps.js';
import type { Metrics } from '../../src/metrics/metrics.js';
import type { Logger } from 'pino';
import { createUser, type UserView } from '../../src/domain/users.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestUser extends UserView {
  token: string;
}

export function createTestClock(start = Date.parse('2026-11-25T02:00:00Z')) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  };
}

/** Environment that points the WeChat client at a fake or emulated WeChat. */
export function wechatEnv(baseUrl: string): Record<string, string> {
  return {
    MINIPROGRAM_APPID: 'wx-test-app',
    MINIPROGRAM_APPSECRET: 'test-appsecret-value',
    MINIPROGRAM_CLOUD_ENV: 'test-env',
    WECHAT_API_BASE_URL: baseUrl,
    WECHAT_INVOKE_TIMEOUT_MS: '2000',
  };
}

/** The real app on a real, fresh database, with a controllable clock and captured logs. */
export async function createTestApp(engine: Engine, env: Record<string, string> = {}) {
  const database: TestDatabase = await createTestDatabase(engine);
  const clock = createTestClock();
  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  let wakes = 0;
  const wakeListeners: Array<() => void> = [];
  // Many tests send bad tokens on purpose from one address: the throttle is tested on its own with a low limit.
  const config: Config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'info', AUTH_FAILURE_LIMIT: '100000', ...env });
  const logger = createLogger('info', logStream);
  // With WeChat env (see wechatEnv) the app and its notifiers share one client, as the server's do.
  const wechat = wechatFromConfig(config, logger);
  const ctx: AppContext = {
    db: database.db,
    config,
    clock,
    logger,
    ...(wechat.client ? { wechat: wechat.client, cloudFunction: wechat.cloudFunction } : {}),
    wakeNotifier: () => {
      wakes++;
      for (const listener of wakeListeners) listener();
    },
  };
  // As the server does: pushes are stored, then applied (here when the route kicks the inbox; no poll runs).
  if (config.WECHAT_PUSH_TOKEN) ctx.pushInbox = createPushInbox({ db: database.db, config, clock, logger, wake: () => ctx.wakeNotifier(), cloudFunction: wechat.cloudFunction, random: () => 1 });
  const app: Express = createApp(ctx);
  /** What the delivery steps get in this app: its database, settings and clock; wakes go where the app's go. */
  const delivery: DeliveryDeps = { db: database.db, config, clock, logger, wake: ctx.wakeNotifier, random: () => 1 };
  let userCount = 0;

  async function user(role: Role, name = `${role}-${++userCount}`): Promise<TestUser> {
    clock.advance(1); // distinct creation times keep list order deterministic
    const created = await createUser(ctx, OPERATOR, { name, role });
    return { ...created, token: await createApiToken(database.db.kysely, created.id, new Date(clock.now())) };
  }

  async function customer(input: Partial<NewCustomer> = {}) {
    clock.advance(1);
    return createCustomer(ctx, { name: `客户 ${Math.random().toString(36).slice(2, 7)}`, ...input });
  }

  async function customers(count: number) {
    const created = [];
    for (let index = 0; index < count; index++) created.push(await customer({ name: `批量客户 ${index}` }));
    return created;
  }

  /** A notifier on this app's database; the WeChat client comes from the env (see wechatEnv). */
  function notifier(options: { workerId?: string; random?: () => number; logger?: Logger; metrics?: Metrics; loopGate?: LoopGate } = {}): Notifier {
    if (!wechat.client) throw new Error(`test notifier needs WeChat env: ${wechat.reason}`);
    const created = createNotifier({
      db: database.db,
      channel: createWechatSubscribeChannel(wechat.cloudFunction),
      config,
      clock,
      logger: options.logger ?? ctx.logger,
      random: options.random ?? (() => 1),
      ...(options.workerId ? { workerId: options.workerId } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.loopGate ? { loopGate: options.loopGate } : {}),
    });
    wakeListeners.push(() => created.wake());
    return created;
  }

  return {
    ctx,
    app,
    notifier,
    delivery,
    clock,
    db: database.db.kysely,
    engine,
    logLines,
    /** How often the app woke the notifier (new or requeued notifications committed). */
    wakes: () => wakes,
    http: () => supertest(app),
    as: (who: TestUser) => ({
      get: (path: string) => supertest(app).get(path).set('authorization', `Bearer ${who.token}`),
      post: (path: string, body?: object) =>
        supertest(app)
          .post(path)
          .set('authorization', `Bearer ${who.token}`)
          .send(body ?? {}),
      patch: (path: string, body: object) => supertest(app).patch(path).set('authorization', `Bearer ${who.token}`).send(body),
    }),
    user,
    customer,
    customers,
    close: async () => {
      await ctx.pushInbox?.stop();
      await database.drop();
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/** Row counts of every table: a 4xx must leave them all unchanged. */
export async function tableCounts(testApp: TestApp): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['users', 'api_tokens', 'customers', 'assignments', 'notifications', 'notification_customers', 'notification_attempts'] as const) {
    const row = await testApp.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.count);
  }
  return counts;
}

/** Everything a 4xx must not change: counts, and every customer's owner and version. */
export async function snapshot(testApp: TestApp) {
  const customers = await testApp.db.selectFrom('customers').select(['id', 'owner_id', 'version', 'name', 'status']).orderBy('id').execute();
  return { counts: await tableCounts(testApp), customers };
}
