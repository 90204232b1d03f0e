import { Writable } from 'node:stream';
import { startEmulator, type RunningEmulator } from '@leadnotify/wechat-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../src/domain/actor.js';
import { createApiToken } from '../src/domain/api-tokens.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { createUser } from '../src/domain/users.js';
import { spawnTs } from './helpers/child-process.js';
import { createTestDatabase, testEngines, type TestDatabase } from './helpers/test-database.js';
import { emulatorEnv } from './helpers/test-server.js';
import { waitFor } from '@leadnotify/test-support';

function capture() {
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
  return { lines, logger };
}

async function assignOne(running: RunningServer, emulator: RunningEmulator | undefined) {
  const ctx = running.context;
  const manager = await createUser(ctx, OPERATOR, { name: '经理', role: 'manager' });
  const sales = await createUser(ctx, OPERATOR, { name: '销售', role: 'sales' });
  if (emulator) await emulator.setupUser(sales.id, 5);
  const headers = { authorization: `Bearer ${await createApiToken(running.db.kysely, manager.id, new Date())}`, 'content-type': 'application/json' };
  const customer = (await (await fetch(`${running.url}/api/customers`, { method: 'POST', headers, body: JSON.stringify({ name: '客户' }) })).json()) as { id: string };
  const assigned = (await (
    await fetch(`${running.url}/api/customers/${customer.id}/assign`, { method: 'POST', headers, body: JSON.stringify({ assigneeId: sales.id }) })
  ).json()) as { notification: { id: string } };
  const status = async () =>
    ((await (await fetch(`${running.url}/api/notifications/${assigned.notification.id}`, { headers })).json()) as { status: string }).status;
  return { status };
}

describe('start-up modes', () => {
  let database: TestDatabase;
  let running: RunningServer | undefined;
  let emulator: RunningEmulator | undefined;

  afterEach(async () => {
    await running?.stop();
    await emulator?.stop();
    running = undefined;
    emulator = undefined;
    await database.drop().catch(() => {});
  });

  it('without credentials and with the emulator off, it starts, assigns, says why nothing is delivered, and keeps notifications pending', async () => {
    database = await createTestDatabase('sqlite');
    const { lines, logger } = capture();
    running = await startServer(loadConfig({ DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', WECHAT_EMULATOR: 'off' }), logger);

    const { status } = await assignOne(running, undefined);

    expect(running.localWechat).toBeUndefined();
    // No notifier exists, so nothing in this process can take the notification out of pending.
    expect(running.notifier).toBeUndefined();
    expect(lines.join('\n')).toContain('WeChat is not configured (MINIPROGRAM_APPID, MINIPROGRAM_APPSECRET, MINIPROGRAM_CLOUD_ENV not set)');
    expect(await status()).toBe('pending');
  });

  it('with credentials it starts no emulator, seeds no demo, and talks to the configured WeChat', async () => {
    database = await createTestDatabase('sqlite');
    emulator = await startEmulator();
    const { logger } = capture();
    running = await startServer(
      loadConfig({
        DATABASE_URL: database.url,
        PORT: '0',
        HOST: '127.0.0.1',
        ...emulatorEnv(emulator),
      }),
      logger,
    );

    const { status } = await assignOne(running, emulator);

    expect(running.localWechat).toBeUndefined();
    expect(running.instructions).toBeUndefined();
    expect(await waitFor(status, (current) => current === 'sent')).toBe('sent');
    expect(emulator.messages).toHaveLength(1);
  });

  it('with NOTIFIER=off, the separate worker process delivers, and still delivers after going idle', async () => {
    database = await createTestDatabase('sqlite');
    emulator = await startEmulator();
    const wechatEnv = emulatorEnv(emulator);
    const { lines, logger } = capture();
    running = await startServer(loadConfig({ DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', NOTIFIER: 'off', ...wechatEnv }), logger);
    const { status } = await assignOne(running, emulator);
    // The API runs no notifier, so the notification stays pending until the worker starts.
    expect(running.notifier).toBeUndefined();
    expect(await status()).toBe('pending');
    expect(lines.join('\n')).toContain('NOTIFIER=off');

    const worker = await spawnTs('packages/crm-api/src/worker-main.ts', {
      env: { ...wechatEnv, DATABASE_URL: database.url, LOG_LEVEL: 'warn', NOTIFY_POLL_MS: '100', WORKER_METRICS_PORT: '0', HOST: '127.0.0.1' },
      ready: /worker metrics on (http:\/\/localhost:\d+\/metrics)/,
    });
    let scraped: string;
    try {
      await waitFor(status, (current) => current === 'sent', { what: 'the worker to deliver', timeoutMs: 15_000 });
      // Once the first is recorded the worker has found nothing more and is idle; only its next poll can
      // deliver a second one (the API's wake-up does not reach another process). It once exited when idle.
      const { status: later } = await assignOne(running, emulator);
      await waitFor(later, (current) => current === 'sent', { what: 'the idle worker to deliver a later assignment', timeoutMs: 15_000 });
      scraped = await (await fetch(worker.url)).text();
    } catch (error) {
      await worker.kill('SIGKILL');
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nworker output:\n${worker.output()}`, { cause: error });
    }
    const ended = await worker.kill('SIGTERM');

    expect(scraped).toContain('leadnotify_notifications_finished_total{status="sent",reason="SENT",channel="wechat-subscribe"} 2');
    expect(ended, worker.output()).toEqual({ code: 0, signal: null });
  }, 30_000);

  it.runIf(testEngines().includes('postgres'))('on PostgreSQL with NOTIFIER=worker, an assignment wakes the idle worker at once instead of at its next poll', async () => {
    database = await createTestDatabase('postgres');
    emulator = await startEmulator();
    const wechatEnv = emulatorEnv(emulator);
    running = await startServer(loadConfig({ DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', NOTIFIER: 'worker', ...wechatEnv }), capture().logger);
    expect(running.notifier).toBeUndefined();
    // A poll a minute away: only the API's wake can deliver within the wait below.
    const worker = await spawnTs('packages/crm-api/src/worker-main.ts', {
      env: { ...wechatEnv, DATABASE_URL: database.url, LOG_LEVEL: 'warn', NOTIFY_POLL_MS: '60000', WORKER_METRICS_PORT: '0', HOST: '127.0.0.1' },
      ready: /worker metrics on (http:\/\/localhost:\d+\/metrics)/,
    });
    try {
      const { status } = await assignOne(running, emulator);
      await waitFor(status, (current) => current === 'sent', { what: 'the woken worker to deliver', timeoutMs: 15_000 });
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nworker output:\n${worker.output()}`, { cause: error });
    } finally {
      await worker.kill('SIGTERM');
    }
  }, 40_000);
});
