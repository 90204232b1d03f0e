import { startEmulator, type EmulatorOptions, type FaultSettings, type RunningEmulator } from '@leadnotify/wechat-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { seeder, type SeededUser } from '../helpers/seed.js';
import { emulatorEnv, startTestServer } from '../helpers/test-server.js';
import { waitFor } from '@leadnotify/test-support';

interface NotificationView {
  status: string;
  reason: string;
  attempts: number;
  attemptHistory: Array<{ outcome: string; reason: string }>;
}

/**
 * The invocation fails or times out although the function ran and the message went out (shared WECHAT.md,
 * "Ambiguous answers"; the HTTP API waits 5 s while a function may be allowed longer). The notifier must
 * neither send the message a second time nor report it as not delivered.
 */
describe('an invocation that fails after the function sent', () => {
  let emulator: RunningEmulator;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let manager: SeededUser;
  let sales: SeededUser;

  afterEach(async () => {
    await server?.stop();
    await emulator?.stop();
  });

  async function start(options: EmulatorOptions = {}): Promise<void> {
    emulator = await startEmulator(options);
    server = await startTestServer({ ...emulatorEnv(emulator), NOTIFY_POLL_MS: '50', NOTIFY_BACKOFF_BASE_MS: '50', NOTIFY_BACKOFF_MAX_MS: '200' });
    manager = await seeder(server.running.db).user('manager');
    sales = await seeder(server.running.db).user('sales');
    await emulator.setupUser(sales.id, 5);
  }

  async function assign(): Promise<string> {
    const customer = await seeder(server.running.db).customer('阿里巴巴');
    const response = await fetch(`${server.running.url}/api/customers/${customer.id}/assign`, { method: 'POST', headers: manager.headers, body: JSON.stringify({ assigneeId: sales.id }) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { notification: { id: string } }).notification.id;
  }

  const view = async (id: string) => (await (await fetch(`${server.running.url}/api/notifications/${id}`, { headers: manager.headers })).json()) as NotificationView;

  /** Assigns under `faults` until WeChat has delivered the message, then lets WeChat answer normally again. */
  async function assignWhileFailing(faults: Partial<FaultSettings>): Promise<NotificationView> {
    emulator.setFaults(faults);
    const id = await assign();
    await waitFor(() => emulator.messages.length, (count) => count === 1, { what: 'WeChat to deliver the message' });
    const whileFailing = await view(id);
    expect(whileFailing.status, 'not reported as not delivered while WeChat fails').not.toMatch(/failed|dead|skipped/);
    emulator.setFaults({ failureRate: 0, http500Rate: 0, dropRate: 0, functionLatencyMs: 0 });
    return waitFor(() => view(id), (notification) => !['pending', 'sending'].includes(notification.status), { what: 'the notification to be final' });
  }

  it('the caller gave up at the HTTP wait while the function, allowed longer, ran on and sent: one message, sent', async () => {
    await start({ functionTimeoutMs: 3000, httpWaitMs: 300 });

    const final = await assignWhileFailing({ functionLatencyMs: 600 });
    // No run the caller gave up on is still going, to send the message a second time.
    await emulator.runsFinished();

    expect(final).toMatchObject({ status: 'sent' });
    expect(final.attemptHistory.map((attempt) => attempt.reason)).toContain('FUNCTION_TIMEOUT');
    expect(emulator.messages).toHaveLength(1);
  });

  it.each([
    ['-1 system error', { failureRate: 1, errcode: -1 }, 'SYSTEM_BUSY'],
    ['HTTP 500', { http500Rate: 1 }, 'HTTP_STATUS'],
    ['a dropped connection', { dropRate: 1 }, 'NETWORK'],
  ])('%s after the function ran and sent: one message, sent', async (_what, faults, reason) => {
    await start();

    const final = await assignWhileFailing({ ...faults, afterRunShare: 1 });
    await emulator.runsFinished();

    expect(final).toMatchObject({ status: 'sent' });
    expect(final.attemptHistory.map((attempt) => attempt.reason)).toContain(reason);
    expect(emulator.messages).toHaveLength(1);
  });
});
