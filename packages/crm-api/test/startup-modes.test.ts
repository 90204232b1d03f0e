import { Writable } from 'node:stream';
import { startEmulator, type RunningEmulator } from '@leadnotify/wechat-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/domain/api-tokens.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { createUser } from '../src/domain/users.js';
import { spawnTs } from './helpers/child-process.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { emulatorEnv } from './helpers/test-server.js';

function capture() {
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
  return { lines, logger };
}

async function assignOne(running: RunningServer, emulator: RunningEmulator | undefined) {
  const ctx = running.context;
  const manager = await createUser(ctx, { name: '经理', role: 'manager' });
  const sales = await createUser(ctx, { name: '销售', role: 'sales' });
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
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(running.localWechat).toBeUndefined();
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
    for (let tries = 0; tries < 50 && (await status()) !== 'sent'; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await status()).toBe('sent');
    expect(emulator.messages).toHaveLength(1);
  });

  it('with NOTIFIER=off, the separate worker process delivers', async () => {
    database = await createTestDatabase('sqlite');
    emulator = await startEmulator();
    const wechatEnv = emulatorEnv(emulator);
    const { lines, logger } = capture();
    running = await startServer(loadConfig({ DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', NOTIFIER: 'off', ...wechatEnv }), logger);
    const { status } = await assignOne(running, emulator);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await status()).toBe('pending');
    expect(lines.join('\n')).toContain('NOTIFIER=off');

    const worker = await spawnTs('packages/crm-api/src/worker-main.ts', {
      env: { ...wechatEnv, DATABASE_URL: database.url, LOG_LEVEL: 'warn', NOTIFY_POLL_MS: '100', WORKER_METRICS_PORT: '0', HOST: '127.0.0.1' },
      ready: /worker metrics on (http:\/\/localhost:\d+\/metrics)/,
    });
    let delivered = 'pending';
    for (let tries = 0; tries < 150 && delivered !== 'sent'; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      delivered = await status();
    }
    // With nothing left to send the worker must keep running (it once exited as soon as it was idle).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const aliveWhenIdle = worker.running();
    const scraped = await (await fetch(worker.url)).text();
    const ended = await worker.kill('SIGTERM');

    expect(delivered, worker.output()).toBe('sent');
    expect(aliveWhenIdle, worker.output()).toBe(true);
    expect(scraped).toContain('leadnotify_notifications_finished_total{status="sent",reason="SENT"} 1');
    expect(ended, worker.output()).toEqual({ code: 0, signal: null });
  }, 30_000);
});
