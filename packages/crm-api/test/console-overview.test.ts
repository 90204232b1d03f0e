import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedNotifications } from './helpers/seed-notifications.js';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const zeros = { pending: 0, sending: 0, sent: 0, unconfirmed: 0, skipped: 0, withdrawn: 0, failed: 0, dead: 0 };

describe.each(testEngines())('GET /api/console/overview on %s', (engine) => {
  let t: TestApp;
  let manager: TestUser;
  let sales: TestUser;

  beforeAll(async () => {
    // The clock: 2026-11-25T02:00Z, 10:00 on 25 November in Beijing.
    t = await createTestApp(engine);
    manager = await t.user('manager');
    sales = await t.user('sales');
    const other = await t.user('sales');
    const by = { actorId: manager.id, customerId: (await t.customer()).id };
    const sent = (createdAt: string, latencyMs: number, channel: string | null) => ({ assigneeId: sales.id, createdAt, sentAt: plus(createdAt, latencyMs), channel });
    await seedNotifications(t.db, by, [
      // 23:59:59.999 on 22 November in Beijing: before the three days.
      sent('2026-11-22T15:59:59.999Z', 100, 'wechat-subscribe'),
      // 23 November in Beijing, from its first instant to its last hour.
      sent('2026-11-22T16:00:00.000Z', 800, 'wechat-subscribe'),
      sent('2026-11-23T15:30:00.000Z', 10_000, 'wecom'),
      // 24 November: three skips of two salespeople.
      { assigneeId: sales.id, createdAt: '2026-11-23T16:30:00.000Z', status: 'skipped', reason: 'NOT_BOUND' },
      { assigneeId: sales.id, createdAt: '2026-11-24T03:00:00.000Z', status: 'skipped', reason: 'NOT_BOUND' },
      { assigneeId: other.id, createdAt: '2026-11-24T10:00:00.000Z', status: 'skipped', reason: 'NO_SUBSCRIPTION' },
      // 25 November (today, so far).
      { assigneeId: sales.id, createdAt: '2026-11-24T17:00:00.000Z', status: 'failed', reason: 'SYSTEM_BUSY' },
      { assigneeId: sales.id, createdAt: '2026-11-24T17:00:00.000Z', status: 'dead', reason: 'TEMPLATE_INVALID' },
      { assigneeId: sales.id, createdAt: '2026-11-24T18:00:00.000Z', status: 'unconfirmed', reason: 'TIMEOUT' },
      sent('2026-11-24T19:00:00.000Z', 2 * 3_600_000, null),
      { assigneeId: sales.id, createdAt: '2026-11-25T01:00:00.000Z', status: 'pending', reason: null },
    ]);
  });
  afterAll(() => t.close());

  it('counts each Beijing day by status and channel, the salespeople not reached, and the latency of the sent', async () => {
    const res = await t.as(manager).get('/api/console/overview?days=3');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      days: [
        { date: '2026-11-23', byStatus: { ...zeros, sent: 2 }, byChannel: { wechat: 1, wecom: 1 }, unreachable: 0 },
        { date: '2026-11-24', byStatus: { ...zeros, skipped: 3 }, byChannel: { wechat: 0, wecom: 0 }, unreachable: 2 },
        { date: '2026-11-25', byStatus: { ...zeros, failed: 1, dead: 1, unconfirmed: 1, sent: 1, pending: 1 }, byChannel: { wechat: 1, wecom: 0 }, unreachable: 0 },
      ],
      latency: { bucketsMs: [1_000, 5_000, 15_000, 60_000, 300_000, 3_600_000], counts: [1, 0, 1, 0, 0, 0, 1] },
    });
  });

  it('14 days by default, oldest first, ending today', async () => {
    const res = await t.as(manager).get('/api/console/overview');

    expect(res.body.days).toHaveLength(14);
    expect(res.body.days[0].date).toBe('2026-11-12');
    expect(res.body.days[13].date).toBe('2026-11-25');
    expect(res.body.days[10].byStatus.sent).toBe(1);
  });

  it('is for managers and admins; days outside 1–92 are refused', async () => {
    expect((await t.as(sales).get('/api/console/overview')).status).toBe(403);
    for (const days of ['0', '93', 'x']) {
      const res = await t.as(manager).get(`/api/console/overview?days=${days}`);
      expect(res.status, days).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});
