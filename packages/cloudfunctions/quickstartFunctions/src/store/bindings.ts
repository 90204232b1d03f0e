import type { CloudDatabase } from '../cloud-sdk.js';
import { COLLECTIONS } from './collections.js';

export interface Binding {
  crmUserId: string;
  openid: string;
  boundAt: string;
}

/** One binding per CRM user, keyed by the CRM user id; a new bind replaces the openid. */
export async function findBinding(db: CloudDatabase, crmUserId: string): Promise<Binding | undefined> {
  const { data } = await db.collection(COLLECTIONS.bindings).where({ _id: crmUserId }).limit(1).get();
  const row = data[0];
  return row && typeof row.openid === 'string' ? { crmUserId, openid: row.openid, boundAt: String(row.boundAt) } : undefined;
}

export async function saveBinding(db: CloudDatabase, binding: Binding): Promise<void> {
  const collection = db.collection(COLLECTIONS.bindings);
  const fields = { crmUserId: binding.crmUserId, openid: binding.openid, boundAt: binding.boundAt };
  if (await findBinding(db, binding.crmUserId)) {
    await collection.doc(binding.crmUserId).update({ data: fields });
    return;
  }
  try {
    await collection.add({ data: { _id: binding.crmUserId, ...fields } });
  } catch (error) {
    // Another bind for the same user won the insert race: overwrite it with ours.
    if (!(await findBinding(db, binding.crmUserId))) throw error;
    await collection.doc(binding.crmUserId).update({ data: fields });
  }
}

/** Records a ticket nonce; false when it was used before (tickets are single-use). */
export async function markTicketUsed(db: CloudDatabase, nonce: string, usedAt: string): Promise<boolean> {
  const collection = db.collection(COLLECTIONS.usedTickets);
  try {
    await collection.add({ data: { _id: nonce, usedAt } });
    return true;
  } catch (error) {
    const { data } = await collection.where({ _id: nonce }).limit(1).get();
    if (data.length > 0) return false;
    throw error;
  }
}
