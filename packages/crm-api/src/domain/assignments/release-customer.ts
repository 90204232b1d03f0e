import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { insertHistory, updateCustomerIfVersion } from '../../db/customers-store.js';
import { canManageAssignments, type Actor } from '../actor.js';
import { assertCanSee, findCustomer, toCustomerView, type CustomerView } from '../customers.js';
import { DomainError } from '../errors.js';

/** Returns a customer to the pool (公海). The former owner then waits out the reclaim cooldown. */
export async function releaseCustomer(ctx: AppContext, actor: Actor, id: string, note?: string): Promise<CustomerView> {
  return ctx.db.kysely.transaction().execute(async (trx) => {
    const customer = await findCustomer(trx, id);
    assertCanSee(actor, customer);
    if (customer.owner_id === null) {
      throw new DomainError({ code: 'CUSTOMER_ALREADY_IN_POOL', message: 'The customer is already in the pool' });
    }
    if (!canManageAssignments(actor) && customer.owner_id !== actor.id) {
      throw new DomainError({ code: 'FORBIDDEN', message: 'Only the owner or a manager may release this customer' });
    }
    const now = new Date(ctx.clock.now()).toISOString();
    if (!(await updateCustomerIfVersion(trx, id, customer.version, { owner_id: null, assigned_at: null }, now))) {
      throw new DomainError({ code: 'VERSION_CONFLICT', message: 'The customer changed while it was being released; try again' });
    }
    await insertHistory(trx, [
      {
        id: randomUUID(),
        customer_id: id,
        from_owner_id: customer.owner_id,
        to_owner_id: null,
        actor_id: actor.id,
        via: 'release',
        note: note ?? null,
        created_at: now,
        customer_version: customer.version + 1,
      },
    ]);
    return toCustomerView({ ...customer, owner_id: null, assigned_at: null, version: customer.version + 1, updated_at: now });
  });
}
