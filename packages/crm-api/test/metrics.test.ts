import type { LocalWechat } from '@leadnotify/wechat-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { seeder } from './helpers/seed.js';
import { createTestClock } from './helpers/test-app.js';
import { startTestServer } from './helpers/test-server.js';
import { waitFor } from '@leadnotify/test-support';

describe('GET /metrics', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let running: RunningServer<LocalWechat>;
  // Starts at the real time: API tokens are issued against the real time.
  const clock = createTestClock(Date.now());

  beforeAll(async () => {
    server = await startTestServer({ NOTIFY_POLL_MS: '50' }, 'warn', clock);
    running = server.running;
  });
  afterAll(() => server.stop());

  const scrape = async () => (await fetch(`${running.url}/metrics`)).text();
  const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"\\[\]()]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

  it('counts assignments by operation (via), notifications by final status and reason, WeChat calls, token requests and HTTP latency by route', async () => {
    const seed = seeder(running.db);
    const manager = await seed.user('manager');
    const sales = await seed.user('sales');
    const unbound = await seed.user('sales');
    await running.localWechat!.setupUser(sales.id, 5);
    const [a, b, c] = await seed.customers(3);
    const post = (path: string, body: unknown) => fetch(`${running.url}${path}`, { method: 'POST', headers: manager.headers, body: JSON.stringify(body) });
    await post(`/api/customers/${a}/assign`, { assigneeId: sales.id });
    await post('/api/customers/batch-assign', { customerIds: [b, c], assigneeId: unbound.id });
    const text = await waitFor(scrape, (scraped) => value(scraped, 'leadnotify_notifications_finished_total{status="sent",reason="SENT",channel="wechat-subscribe"}') + value(scraped, 'leadnotify_notifications_finished_total{status="skipped",reason="NOT_BOUND",channel="wechat-subscribe"}') >= 2, {
      what: 'both notifications to reach a final status',
    });

    expect(value(text, 'leadnotify_assignments_total{via="web"}')).toBe(1);
    expect(value(text, 'leadnotify_assignments_total{via="batch"}')).toBe(2);
    expect(value(text, 'leadnotify_notifications_finished_total{status="sent",reason="SENT",channel="wechat-subscribe"}')).toBe(1);
    expect(value(text, 'leadnotify_notifications_finished_total{status="skipped",reason="NOT_BOUND",channel="wechat-subscribe"}')).toBe(1);
    expect(value(text, 'leadnotify_wechat_token_requests_total')).toBe(1);
    expect(value(text, 'leadnotify_wechat_request_duration_seconds_count{api="/tcb/invokecloudfunction",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'leadnotify_http_request_duration_seconds_count{method="POST",route="/api/customers/:id/assign",status="200"}')).toBe(1);
    expect(value(text, 'leadnotify_outbox_notifications{status="pending"}')).toBe(0);
    expect(value(text, 'leadnotify_outbox_oldest_pending_age_seconds')).toBe(0);
    expect(text).toContain('leadnotify_process_resident_memory_bytes');
  });

  it('shows the backlog and the age of the oldest waiting notification, and WeChat errors by errcode', async () => {
    running.localWechat!.setFaults({ failureRate: 1, errcode: 45011 });
    const seed = seeder(running.db);
    const manager = await seed.user('manager');
    const sales = await seed.user('sales');
    const [a] = await seed.customers(1);
    await fetch(`${running.url}/api/customers/${a}/assign`, { method: 'POST', headers: manager.headers, body: JSON.stringify({ assigneeId: sales.id }) });
    await waitFor(scrape, (scraped) => value(scraped, 'leadnotify_notification_retries_total{reason="RATE_LIMITED"}') >= 1, { what: 'the rate-limited attempt to be recorded' });
    clock.advance(2_000);

    const text = await scrape();
    running.localWechat!.setFaults({ failureRate: 0 });

    expect(value(text, 'leadnotify_outbox_notifications{status="pending"}') + value(text, 'leadnotify_outbox_notifications{status="sending"}')).toBe(1);
    expect(value(text, 'leadnotify_outbox_oldest_pending_age_seconds')).toBe(2);
    expect(value(text, 'leadnotify_wechat_errors_total{api="/tcb/invokecloudfunction",code="RATE_LIMITED",errcode="45011"}')).toBeGreaterThanOrEqual(1);
  });

  it('labels a mini-program route by its own path, whether it answered or failed', async () => {
    const seed = seeder(running.db);
    const manager = await seed.user('manager');
    const sales = await seed.user('sales');
    const [customer] = await seed.customers(1);
    const assign = (id: string) =>
      fetch(`${running.url}/api/miniprogram/customers/${id}/assign`, { method: 'POST', headers: manager.headers, body: JSON.stringify({ assigneeId: sales.id }) });
    expect((await assign(customer!)).status).toBe(200);
    expect((await assign('no-such-customer')).status).toBe(404);

    const routes = [...(await scrape()).matchAll(/^leadnotify_http_request_duration_seconds_count\{method="POST",route="([^"]*miniprogram[^"]*)",status="(\d+)"\}/gm)].map((match) => `${match[2]} ${match[1]}`);
    expect(routes.sort()).toEqual(['200 /api/miniprogram/customers/:id/assign', '404 /api/miniprogram/customers/:id/assign']);
  });
});
