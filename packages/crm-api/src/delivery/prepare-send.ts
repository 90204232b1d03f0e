import type { NotificationRow } from '../db/schema.js';
import type { ClaimedMessage } from './claim-messages.js';
import type { LeadMessage } from './channels/channel.js';
import type { DeliveryDeps } from './deps.js';
import { currentOwners, customersByNotification, usersByIds, type OutboxCustomer } from './outbox/read.js';
import type { NotTheirsReason } from './states/transition.js';

/** A claimed message, as it stands at the moment of sending. */
export interface PreparedMessage {
  claimed: ClaimedMessage;
  /** Rows that still name one of the assignee's customers, and what the message tells about them. */
  theirs: NotificationRow[];
  lead: LeadMessage | undefined;
  /** Rows none of whose customers the assignee is to hear about any more, and why. */
  notTheirs: NotificationRow[];
  notTheirsReason: NotTheirsReason;
}

/**
 * Who is to hear about what, checked at the moment of sending — not when the batch was claimed, which may be while
 * the previous invocation was still running: a customer assigned to someone else (or released to the pool) since is
 * the new owner's to hear about, and a salesperson deactivated since hears nothing. A customer assigned away and back
 * is named once.
 */
export async function prepareSend(deps: Pick<DeliveryDeps, 'db'>, claimed: readonly ClaimedMessage[]): Promise<PreparedMessage[]> {
  const db = deps.db.kysely;
  const rows = claimed.flatMap((entry) => entry.rows);
  const customersByRow = await customersByNotification(db, rows.map((row) => row.id));
  const [owners, users] = await Promise.all([
    currentOwners(db, [...new Set([...customersByRow.values()].flat().map((customer) => customer.id))]),
    usersByIds(db, [...new Set([...claimed.map((entry) => entry.assigneeId), ...rows.map((row) => row.actor_id)])]),
  ]);

  return claimed.map((entry) => {
    const active = users.get(entry.assigneeId)?.active === true;
    const stillTheirs = (row: NotificationRow) => (customersByRow.get(row.id) ?? []).filter((customer) => active && owners.get(customer.id) === entry.assigneeId);
    const theirs = entry.rows.filter((row) => stillTheirs(row).length > 0);
    const notTheirs = entry.rows.filter((row) => stillTheirs(row).length === 0);
    const customers = [...new Map(theirs.flatMap(stillTheirs).map((customer): [string, OutboxCustomer] => [customer.id, customer])).values()];
    const latest = theirs.at(-1);
    const lead: LeadMessage | undefined = latest && {
      deliveryId: entry.message.deliveryId,
      assigneeId: entry.assigneeId,
      customers,
      assigners: distinctLastWins(theirs.map((row) => row.actor_id)).map((id) => ({ id, name: users.get(id)?.name ?? '系统' })),
      notes: [...new Set(theirs.map((row) => row.note).filter((note): note is string => Boolean(note)))],
      via: latest.via,
      assignedAt: latest.created_at,
    };
    return { claimed: entry, theirs, lead, notTheirs, notTheirsReason: active ? 'NO_LONGER_ASSIGNED' : 'ASSIGNEE_INACTIVE' };
  });
}

/** Each id once, in the order of its last appearance: the latest assigner comes last. */
function distinctLastWins(ids: readonly string[]): string[] {
  const last = new Map(ids.map((id, index) => [id, index]));
  return [...last].sort((a, b) => a[1] - b[1]).map(([id]) => id);
}
