import { DAY_MS } from '@leadnotify/contracts';
import { waitFor } from '@leadnotify/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { APPLIED_PUSHES_KEPT_DAYS } from '../src/delivery/channels/wechat-subscribe/push/inbox.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

describe.each(testEngines())('the push inbox forgets pushes applied long ago, on %s', (engine) => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  /** A push as the inbox keeps it, received and (unless `applied` is null) applied `daysAgo` days back. */
  async function stored(id: string, daysAgo: number, applied: 'applied' | null = 'applied'): Promise<void> {
    const at = new Date(t.clock.now() - daysAgo * DAY_MS).toISOString();
    await t.db
      .insertInto('wechat_pushes')
      .values({ id, event: 'subscribe_msg_popup_event', openid: 'o-zhang', body: '{}', received_at: at, applied_at: applied ? at : null, next_attempt_at: new Date(t.clock.now() + DAY_MS).toISOString(), lease_until: null, last_error: null })
      .execute();
  }
  const ids = async () => (await t.db.selectFrom('wechat_pushes').select('id').orderBy('id').execute()).map((row) => row.id);

  it(`keeps ${APPLIED_PUSHES_KEPT_DAYS} days of applied pushes, every push not yet applied, and the newest push`, async () => {
    t = await createTestApp(engine, { WECHAT_PUSH_TOKEN: 'push-token-for-tests', NOTIFY_POLL_MS: '20' });
    await stored('old-applied', APPLIED_PUSHES_KEPT_DAYS + 5);
    await stored('old-waiting', APPLIED_PUSHES_KEPT_DAYS + 5, null);
    await stored('recent-applied', APPLIED_PUSHES_KEPT_DAYS - 1);

    t.ctx.pushInbox!.start();
    await waitFor(ids, (left) => !left.includes('old-applied'), { what: 'the push applied long ago forgotten' });
    expect(await ids()).toEqual(['old-waiting', 'recent-applied']);
    await t.ctx.pushInbox!.stop();
  });

  it('keeps the newest push however old: the doctor tells from it when WeChat last pushed', async () => {
    t = await createTestApp(engine, { WECHAT_PUSH_TOKEN: 'push-token-for-tests', NOTIFY_POLL_MS: '20' });
    await stored('older', APPLIED_PUSHES_KEPT_DAYS + 9);
    await stored('newest', APPLIED_PUSHES_KEPT_DAYS + 8);

    t.ctx.pushInbox!.start();
    await waitFor(ids, (left) => !left.includes('older'), { what: 'the older push forgotten' });
    expect(await ids()).toEqual(['newest']);
    await t.ctx.pushInbox!.stop();
  });
});
