import { Writable } from 'node:stream';
import { startEmulator, type RunningEmulator } from '@leadnotify/wechat-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { seeder } from '../helpers/seed.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { waitFor } from '@leadnotify/test-support';

const APP_SECRET = 'Distinctive-AppSecret-7f3a9c1e5b';
const SHARED_SECRET = 'Distinctive-Binding-Secret-0d8e2a4c6f1b3d5e';

describe('secrets stay out of the logs', () => {
  let emulator: RunningEmulator;
  let database: TestDatabase;
  let running: RunningServer;
  const logs: string[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ appSecret: APP_SECRET, functionEnv: { LEADNOTIFY_SHARED_SECRET: SHARED_SECRET } });
    database = await createTestDatabase('sqlite');
    await database.db.close();
    running = await startServer(
      loadConfig({
        DATABASE_URL: database.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'trace',
        MINIPROGRAM_APPID: emulator.credentials.appId,
        MINIPROGRAM_APPSECRET: APP_SECRET,
        MINIPROGRAM_CLOUD_ENV: emulator.credentials.cloudEnv,
        WECHAT_API_BASE_URL: emulator.url,
        LEADNOTIFY_SHARED_SECRET: SHARED_SECRET,
        NOTIFY_POLL_MS: '50',
        NOTIFY_BACKOFF_BASE_MS: '50',
        WECHAT_INVOKE_TIMEOUT_MS: '300',
      }),
      createLogger('trace', new Writable({ write: (chunk, _encoding, done) => (logs.push(String(chunk)), done()) })),
    );
  });
  afterAll(async () => {
    await running.stop();
    await emulator.stop();
    await database.drop();
  });

  it('after the e2e flows, with failures, no log line holds the AppSecret, the binding secret, an access token or an API token', async () => {
    const seed = seeder(running.db);
    const manager = await seed.user('manager');
    const sales = await seed.user('sales');
    await emulator.setupUser(sales.id, 50);
    const [a, b, c, d] = await seed.customers(4);
    const post = (path: string, body: unknown, headers = manager.headers) => fetch(`${running.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

    await post(`/api/customers/${a}/assign`, { assigneeId: sales.id });
    await post(`/api/miniprogram/customers/${b}/assign`, { assigneeId: sales.id });
    await post('/api/customers/batch-assign', { customerIds: [c], assigneeId: sales.id });
    const ticket = (await (await post('/api/me/wechat-binding-ticket', {}, sales.headers)).json()) as { ticket: string };
    await fetch(`${emulator.url}/_emulator/miniprogram/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ openid: 'o-secret-test', event: { type: 'bindCrmUser', ticket: ticket.ticket } }) });
    await waitFor(() => emulator.messages.length, (count) => count >= 3);

    emulator.expireTokens();
    emulator.setFaults({ failureRate: 0.5, errcode: 40125, dropRate: 0.2, slowRate: 0.3, slowMs: 600 });
    const claimed = (await (await post(`/api/pool/customers/${d}/assign`, { assigneeId: sales.id })).json()) as { notification: { id: string } };
    // Every call now fails (40125, dropped or too slow): the failure paths have run once attempts are recorded.
    const underFaults = await waitFor(
      () => running.db.kysely.selectFrom('notifications').select(['status', 'attempts', 'reason']).where('id', '=', claimed.notification.id).executeTakeFirstOrThrow(),
      (row) => row.attempts >= 3 || !['pending', 'sending'].includes(row.status),
      { what: 'three failed attempts or a final status' },
    );
    emulator.setFaults({ failureRate: 0, dropRate: 0, slowRate: 0 });
    await fetch(`${running.url}/api/me`, { headers: { authorization: 'Bearer not-a-real-token-but-looks-like-one' } });

    const everything = logs.join('\n');
    expect(everything).toContain('WeChat access token refreshed');
    expect(everything.length).toBeGreaterThan(1000);
    expect(underFaults.reason).not.toBe('SENT');
    const secrets = [APP_SECRET, SHARED_SECRET, manager.token, sales.token, ticket.ticket, ...emulator.issuedTokens()];
    expect(emulator.issuedTokens().length).toBeGreaterThan(0);
    for (const secret of secrets) expect(everything.includes(secret), `a log line contains ${secret.slice(0, 6)}…`).toBe(false);
  }, 30_000);
});
