import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/**
 * A message sent again goes out under a new delivery id (the cloud function sends an id at most once), so the
 * `resend` flag the events carried is gone. The column now records the one automatic resend for lack of a receipt.
 * Rows still waiting to be resent under the old flag move to a new delivery id here, one per delivery; a row left
 * `sending` keeps its id, since that attempt may have sent it (the function then answers what it recorded), and may
 * still be resent once for lack of a receipt.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await inOneTransaction(db, async (trx) => {
    const waiting = await sql<{ id: string; delivery_id: string | null }>`
      select id, delivery_id from notifications where resend_requested = 1 and status = 'pending'
    `.execute(trx);
    const newIds = new Map<string, string>();
    for (const row of waiting.rows) {
      const deliveryId = row.delivery_id ?? row.id;
      const newId = newIds.get(deliveryId) ?? randomUUID();
      newIds.set(deliveryId, newId);
      await sql`update notifications set delivery_id = ${newId}, confirmed_at = null where id = ${row.id}`.execute(trx);
    }
    await sql`update notifications set resend_requested = case when reason = 'NO_RECEIPT' and status <> 'sending' then 1 else 0 end`.execute(trx);
    await trx.schema.alterTable('notifications').renameColumn('resend_requested', 'no_receipt_resent').execute();
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await inOneTransaction(db, async (trx) => {
    await trx.schema.alterTable('notifications').renameColumn('no_receipt_resent', 'resend_requested').execute();
    await sql`update notifications set resend_requested = 0`.execute(trx);
  });
}

/**
 * Kysely wraps a migration in a transaction only where DDL is transactional to it (PostgreSQL); on SQLite this one
 * opens its own, so a crash midway leaves it undone, to be run again, rather than half done.
 */
async function inOneTransaction(db: Kysely<unknown>, work: (trx: Kysely<unknown>) => Promise<void>): Promise<void> {
  if (db.isTransaction) await work(db);
  else await db.transaction().execute(work);
}
