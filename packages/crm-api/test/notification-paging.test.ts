import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';
import { seedNotifications, type SeededNotification } from './helpers/seed-notifications.js';

const at = (iso: string) => new Date(iso).toISOString();

describe.each(testEngines())('GET /api/notifications pages and filters on %s', (engine) => {
  let t: TestApp;
  let manager: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let seeded: Array<SeededNotification & { id: string }>;

  beforeAll(async () => {
    t = await createTestApp(engine);
    manager = await t.user('manager');
    alice = await t.user('sales', '张三');
    bob = await t.user('sales', '李四');
    const customer = await t.customer();
    // 120 rows over three Beijing days, several sharing one instant (ids decide their order), of two salespeople.
    const rows: SeededNotification[] = Array.from({ length: 120 }, (_, index) => ({
      assigneeId: index % 3 === 0 ? bob.id : alice.id,
      createdAt: at(`2026-11-${String(20 + Math.floor(index / 40)).padStart(2, '0')}T${String(2 + Math.floor((index % 40) / 4)).padStart(2, '0')}:00:00Z`),
      status: index % 5 === 0 ? 'skipped' : 'sent',
      reason: index % 5 === 0 ? (index % 10 === 0 ? 'NOT_BOUND' : 'NO_SUBSCRIPTION') : 'SENT',
    }));
    const ids = await seedNotifications(t.db, { actorId: manager.id, customerId: customer.id }, rows);
    seeded = rows.map((row, index) => ({ ...row, id: ids[index]! }));
  });
  afterAll(() => t.close());

  const newestFirst = (rows: Array<{ createdAt: string; id: string }>) =>
    [...rows].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)).map((row) => row.id);

  async function walk(query: string, limit: number): Promise<{ ids: string[]; totals: number[]; pages: number }> {
    const ids: string[] = [];
    const totals: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.as(manager).get(`/api/notifications?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      ids.push(...res.body.items.map((item: { id: string }) => item.id));
      totals.push(res.body.total);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    return { ids, totals, pages };
  }

  it('the cursor walks every row once, newest first, ties broken by id', async () => {
    const { ids, totals, pages } = await walk('', 7);

    expect(ids).toEqual(newestFirst(seeded));
    expect(new Set(ids).size).toBe(120);
    expect(pages).toBe(Math.ceil(120 / 7));
    expect(new Set(totals)).toEqual(new Set([120]));
  });

  it('reason, status, assignee and from/to filter, and the cursor keeps them', async () => {
    const notBound = await walk('&reason=NOT_BOUND', 5);
    expect(notBound.ids).toEqual(newestFirst(seeded.filter((row) => row.reason === 'NOT_BOUND')));
    expect(notBound.totals[0]).toBe(12);

    // A date is a Beijing day: 2026-11-21 is 2026-11-20T16:00Z up to 2026-11-21T16:00Z.
    const day = await walk('&from=2026-11-21&to=2026-11-21', 9);
    expect(day.ids).toEqual(newestFirst(seeded.filter((row) => row.createdAt >= '2026-11-20T16:00:00.000Z' && row.createdAt < '2026-11-21T16:00:00.000Z')));
    expect(day.ids.length).toBeGreaterThan(0);

    const instants = await walk(`&from=2026-11-20T05:00:00Z&to=2026-11-20T07:00:00%2B00:00&assigneeId=${alice.id}&status=sent`, 3);
    expect(instants.ids).toEqual(
      newestFirst(seeded.filter((row) => row.assigneeId === alice.id && row.status === 'sent' && row.createdAt >= '2026-11-20T05:00:00.000Z' && row.createdAt < '2026-11-20T07:00:00.000Z')),
    );
  });

  it('a sales user pages through their own only', async () => {
    const res = await t.as(bob).get('/api/notifications?limit=200');
    expect(res.body.total).toBe(40);
    expect(res.body.items.every((item: { assigneeId: string }) => item.assigneeId === bob.id)).toBe(true);
  });

  it.each([
    ['cursor=not-ours', 'query.cursor'],
    ['from=yesterday', 'from'],
    ['to=2026-13-01', 'to'],
    ['reason=NOT%20BOUND', 'reason'],
  ])('%s → 400 VALIDATION_FAILED', async (query, field) => {
    const res = await t.as(manager).get(`/api/notifications?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.error.details)).toContain(field);
  });

  it("the detail says the reason in words and what to do about it", async () => {
    const skipped = seeded.find((row) => row.reason === 'NOT_BOUND')!;
    const res = await t.as(manager).get(`/api/notifications/${skipped.id}`);
    expect(res.body).toMatchObject({ reason: 'NOT_BOUND', reasonText: '未绑定微信', reasonFix: expect.stringContaining('绑定二维码') });
  });

  it('the first page of 10,000 reads along the index, not a sort of the table', async () => {
    const customer = await t.customer();
    const many: SeededNotification[] = Array.from({ length: 10_000 }, (_, index) => ({
      assigneeId: alice.id,
      createdAt: new Date(Date.parse('2026-10-01T00:00:00Z') + index * 60_000).toISOString(),
    }));
    await seedNotifications(t.db, { actorId: manager.id, customerId: customer.id }, many);
    if (engine === 'postgres') await sql`analyze notifications`.execute(t.db);

    const started = performance.now();
    const res = await t.as(manager).get('/api/notifications?limit=50');
    const elapsed = performance.now() - started;

    expect(res.body.total).toBe(10_120);
    expect(res.body.items).toHaveLength(50);
    const plan = engine === 'sqlite'
      ? (await sql<{ detail: string }>`explain query plan select * from notifications order by created_at desc, id desc limit 51`.execute(t.db)).rows.map((row) => row.detail).join('\n')
      : (await sql<{ 'QUERY PLAN': string }>`explain select * from notifications order by created_at desc, id desc limit 51`.execute(t.db)).rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/notifications_created_idx/);
    expect(plan).not.toMatch(/TEMP B-TREE|Sort/);
    expect(elapsed).toBeLessThan(1000);
  }, 60_000);
});
