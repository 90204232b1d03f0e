import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryDeps } from '../src/delivery/deps.js';
import { storeReceipt } from '../src/delivery/outbox/receipts.js';
import { settleReceipts } from '../src/delivery/settle-receipts.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const postgres = Boolean(process.env.TEST_DATABASE_URL);
if (!postgres) console.log('receipt-snapshot-race.test.ts: skipped, TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)');

/**
 * Runs `act` once, right after the first query that reads notifications without a join (the read of deliveries
 * waiting for a receipt) has returned, before the settler's next statement: what another worker committing its
 * record at that moment looks like to the settler.
 */
function afterWaitingRowsRead(act: () => Promise<void>): KyselyPlugin {
  const targets = new WeakSet<object>();
  let done = false;
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      const node = args.node as { kind: string; from?: { froms: Array<{ kind: string; table?: { identifier?: { name: string } } }> }; joins?: unknown[] };
      const table = node.from?.froms[0]?.table?.identifier?.name;
      if (node.kind === 'SelectQueryNode' && table === 'notifications' && !node.joins?.length) targets.add(args.queryId);
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      if (!done && targets.has(args.queryId)) {
        done = true;
        await act();
      }
      return args.result;
    },
  };
}

/**
 * On PostgreSQL every statement of a transaction sees what was committed when it began. A delivery answered while the
 * settler reads must be either waiting for its receipt or unanswered in its eyes, never neither: else its receipt is
 * taken for another delivery's — the lead lost while the CRM says "sent, confirmed" that a chaos soak found.
 */
describe.runIf(postgres)('a receipt settled while its own delivery is being recorded (PostgreSQL)', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('waits, rather than settle a delivery of unknown fate with another delivery\'s receipt', async () => {
    t = await createTestApp('postgres');
    const manager = await t.user('manager');
    const sales = await t.user('sales');
    const at = (offsetMs: number) => new Date(t.clock.now() + offsetMs).toISOString();
    const row = { assignee_id: sales.id, actor_id: manager.id, via: 'web' as const, note: null, attempts: 1, next_attempt_at: at(0), created_at: at(0), lease_owner: null, lease_until: null, last_error: null };
    // Y: its send was stopped at the function's limit, fate unknown; nothing of WeChat's is known to be its.
    await t.db
      .insertInto('notifications')
      .values({ ...row, id: 'y', delivery_id: 'y', status: 'unconfirmed', reason: 'SEND_INTERRUPTED', updated_at: at(0), sent_at: null, wechat_openid: 'openid-1', confirmed_at: null, template_id: 'lead-template', msg_id: null, tried_at: at(0) })
      .execute();
    // X: on its way; WeChat delivered it and pushed the receipt, and its worker is about to record the answer.
    await t.db
      .insertInto('notifications')
      .values({ ...row, id: 'x', delivery_id: 'x', status: 'sending', reason: null, updated_at: at(1000), sent_at: null, wechat_openid: null, confirmed_at: null, template_id: null, msg_id: null, tried_at: at(1000) })
      .execute();
    await storeReceipt(t.db, { id: 'receipt-of-x', openid: 'openid-1', delivered: true, detail: 'delivered', templateId: 'lead-template', msgId: '2001', createdAt: at(2000), receivedAt: at(2000) });
    t.clock.advance(3000);

    const recordX = async () => {
      await t.db.updateTable('notifications').set({ status: 'sent', reason: 'SENT', sent_at: at(0), wechat_openid: 'openid-1', template_id: 'lead-template', updated_at: at(0) }).where('id', '=', 'x').execute();
    };
    const deps: DeliveryDeps = { ...t.delivery, db: { ...t.delivery.db, kysely: t.delivery.db.kysely.withPlugin(afterWaitingRowsRead(recordX)) } };
    await settleReceipts(deps, ['openid-1']);

    const y = await t.db.selectFrom('notifications').select(['status', 'confirmed_at']).where('id', '=', 'y').executeTakeFirstOrThrow();
    expect(y).toEqual({ status: 'unconfirmed', confirmed_at: null });
    // Once X's record is in, its receipt is its own.
    await settleReceipts(t.delivery, ['openid-1']);
    const receipt = await t.db.selectFrom('wechat_receipts').select('settled_delivery_id').where('id', '=', 'receipt-of-x').executeTakeFirstOrThrow();
    expect(receipt.settled_delivery_id).toBe('x');
  });
});
