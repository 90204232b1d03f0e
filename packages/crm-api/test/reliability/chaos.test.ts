import type { LocalWechat } from '@leadnotify/wechat-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { inParallel, seeder } from '../helpers/seed.js';
import { startTestServer } from '../helpers/test-server.js';
import { waitFor } from '@leadnotify/test-support';

const ASSIGNMENTS = 120;

/** Invocations wechat-client finished, whatever their outcome, from crm-api's metrics. */
function invocationsMade(metrics: string): number {
  const counts = metrics.matchAll(/^leadnotify_wechat_request_duration_seconds_count\{api="\/tcb\/invokecloudfunction",[^}]*\} (\d+)$/gm);
  return [...counts].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe('chaos: 30% of WeChat calls fail with -1, HTTP 500, timeouts or dropped connections', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let running: RunningServer<LocalWechat>;

  beforeAll(async () => {
    server = await startTestServer({
        NOTIFY_BATCH_SIZE: '4',
        NOTIFY_POLL_MS: '50',
        NOTIFY_BACKOFF_BASE_MS: '50',
        NOTIFY_BACKOFF_MAX_MS: '300',
        NOTIFY_MAX_ATTEMPTS: '50',
        WECHAT_INVOKE_TIMEOUT_MS: '400',
    });
    running = server.running;
  });
  afterAll(() => server.stop());

  it('all assignments answer 2xx, every notification is delivered, none twice', async () => {
    running.localWechat!.setFaults({ failureRate: 0.1, errcode: -1, http500Rate: 0.07, dropRate: 0.06, slowRate: 0.07, slowMs: 700 });
    const seed = seeder(running.db);
    const manager = await seed.user('manager');
    const team = [await seed.user('sales'), await seed.user('sales'), await seed.user('sales')];
    for (const member of team) await running.localWechat!.setupUser(member.id, ASSIGNMENTS);
    const customerIds = await seed.customers(ASSIGNMENTS);

    const statuses: number[] = [];
    await inParallel(customerIds.map((id, index) => ({ id, assignee: team[index % team.length]! })), 6, async ({ id, assignee }) => {
      const res = await fetch(`${running.url}/api/customers/${id}/assign`, { method: 'POST', headers: manager.headers, body: JSON.stringify({ assigneeId: assignee.id }) });
      statuses.push(res.status);
    });
    expect(statuses.every((status) => status === 200)).toBe(true);

    await waitFor(
      () => running.db.kysely.selectFrom('notifications').select(['id', 'status']).where('status', '!=', 'sent').execute(),
      (unsent) => unsent.length === 0,
      { what: 'every notification to be sent', timeoutMs: 60_000, intervalMs: 100 },
    );
    // Every invocation the notifier made has reached the emulator and every run of the function is over, so none is
    // still on its way to send a late duplicate (the emulator runs the function before it answers slowly or not at all).
    await waitFor(
      async () => ({ received: running.localWechat!.invocationCount(), made: invocationsMade(await (await fetch(`${running.url}/metrics`)).text()) }),
      (counts) => counts.received === counts.made,
      { what: 'the emulator to have received every invocation the notifier made' },
    );
    await running.localWechat!.runsFinished();

    const perNotification = new Map<string, number>();
    for (const message of running.localWechat!.messages) {
      const id = new URLSearchParams(message.page?.split('?')[1] ?? '').get('deliveryId') ?? '';
      perNotification.set(id, (perNotification.get(id) ?? 0) + 1);
    }
    expect(perNotification.size).toBe(ASSIGNMENTS);
    expect(Math.max(...perNotification.values())).toBe(1);
    const attempts = await running.db.kysely.selectFrom('notification_attempts').select(['outcome']).execute();
    expect(attempts.some((attempt) => attempt.outcome === 'retry')).toBe(true);
  }, 90_000);
});
