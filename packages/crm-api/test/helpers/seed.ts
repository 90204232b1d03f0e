import { randomUUID } from 'node:crypto';
import { OPERATOR } from '../../src/domain/actor.js';
import { createApiToken } from '../../src/domain/api-tokens.js';
import { insertCustomer } from '../../src/db/customers-store.js';
import { loadConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { createCustomer } from '../../src/domain/customers.js';
import type { Db } from '../../src/db/database.js';
import type { Role } from '../../src/domain/roles.js';
import { createLogger } from '../../src/logger.js';
import { createUser } from '../../src/domain/users.js';

export interface SeededUser {
  id: string;
  name: string;
  role: Role;
  token: string;
  headers: Record<string, string>;
}

/** Users with tokens and pool customers written straight into a database another process will serve. */
export function seeder(db: Db) {
  const ctx: AppContext = {
    db,
    config: loadConfig({ DATABASE_URL: 'unused' }),
    clock: { now: () => Date.now() },
    logger: createLogger('silent'),
    wakeNotifier() {},
  };
  return {
    async user(role: Role, name = `${role}-${Math.random().toString(36).slice(2, 7)}`): Promise<SeededUser> {
      const created = await createUser(ctx, OPERATOR, { name, role });
      const token = await createApiToken(db.kysely, created.id, new Date());
      return { id: created.id, name, role, token, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
    },
    /**
     * One pool customer with exactly this name, written as a row: data from before the name rule (imports, older
     * rows), which createCustomer would refuse now.
     */
    async customer(name: string): Promise<{ id: string; name: string }> {
      const now = new Date().toISOString();
      const id = randomUUID();
      await insertCustomer(db.kysely, { id, name, phone: null, company: null, source: null, status: 'new', owner_id: null, assigned_at: null, version: 1, created_at: now, updated_at: now });
      return { id, name };
    },
    async customers(count: number): Promise<string[]> {
      const ids: string[] = [];
      for (let index = 0; index < count; index++) ids.push((await createCustomer(ctx, { name: `可靠性客户${index}` })).id);
      return ids;
    },
  };
}

/** Runs `work` over items, at most `limit` at a time. */
export async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}
