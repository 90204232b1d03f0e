import { createHash, randomUUID } from 'node:crypto';
import express from 'express';
import SqliteDatabase from 'better-sqlite3';

/**
 * Baselines for "API overhead": Express + better-sqlite3 with the same SQLite settings.
 * BARE_MODE=update (default): only the conditional UPDATE an assignment needs.
 * BARE_MODE=same-writes: the same statements the API runs (token lookup, assignee, customer, conditional
 * update, history row, outbox row and its customer link with the company/phone/source snapshot) in one
 * transaction, with none of the framework.
 */
const sqlite = new SqliteDatabase(process.env.DATABASE_URL ?? ':memory:');
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('synchronous = NORMAL');
sqlite.pragma('foreign_keys = ON');
const mode = process.env.BARE_MODE ?? 'update';

const updateOnly = sqlite.prepare(
  'UPDATE customers SET owner_id = ?, version = version + 1, assigned_at = ?, updated_at = ? WHERE id = ? AND (owner_id IS NULL OR owner_id <> ?)',
);
const findActor = sqlite.prepare('SELECT users.id, users.role, users.active FROM api_tokens JOIN users ON users.id = api_tokens.user_id WHERE token_hash = ?');
const findUser = sqlite.prepare('SELECT * FROM users WHERE id = ?');
const findCustomer = sqlite.prepare('SELECT * FROM customers WHERE id = ?');
const updateCustomer = sqlite.prepare('UPDATE customers SET owner_id = ?, assigned_at = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?');
const insertHistory = sqlite.prepare(
  "INSERT INTO assignments (id, customer_id, from_owner_id, to_owner_id, actor_id, via, note, created_at, customer_version) VALUES (?, ?, ?, ?, ?, 'web', NULL, ?, ?)",
);
const insertNotification = sqlite.prepare(
  "INSERT INTO notifications (id, assignee_id, actor_id, via, note, status, attempts, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, 'web', NULL, 'pending', 0, ?, ?, ?)",
);
const insertLink = sqlite.prepare(
  'INSERT INTO notification_customers (notification_id, customer_id, customer_name, customer_company, customer_phone, customer_source, position) VALUES (?, ?, ?, ?, ?, ?, 0)',
);
/** The API's snapshot keeps 138****0000, never the whole number. */
const maskPhone = (phone: string | null) => (phone === null ? null : `${phone.slice(0, 3)}****${phone.slice(-4)}`);

const assignWithSameWrites = sqlite.transaction((token: string, customerId: string, assigneeId: string) => {
  const now = new Date().toISOString();
  const actor = findActor.get(createHash('sha256').update(token).digest('hex')) as { id: string } | undefined;
  if (!actor) return { status: 401 };
  if (!findUser.get(assigneeId)) return { status: 404 };
  const customer = findCustomer.get(customerId) as { owner_id: string | null; version: number; name: string; company: string | null; phone: string | null; source: string | null } | undefined;
  if (!customer) return { status: 404 };
  if (customer.owner_id === assigneeId) return { status: 200, changed: false };
  if (updateCustomer.run(assigneeId, now, customer.version + 1, now, customerId, customer.version).changes === 0) return { status: 409 };
  insertHistory.run(randomUUID(), customerId, customer.owner_id, assigneeId, actor.id, now, customer.version + 1);
  const notificationId = randomUUID();
  insertNotification.run(notificationId, assigneeId, actor.id, now, now, now);
  insertLink.run(notificationId, customerId, customer.name, customer.company, maskPhone(customer.phone), customer.source);
  return { status: 200, changed: true, notificationId };
});

const app = express();
app.use(express.json());
app.post('/api/customers/:id/assign', (req, res) => {
  const assigneeId = String((req.body as { assigneeId?: unknown }).assigneeId);
  if (mode === 'same-writes') {
    const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const { status, ...body } = assignWithSameWrites(token, req.params.id, assigneeId);
    res.status(status).json(body);
    return;
  }
  const now = new Date().toISOString();
  const result = updateOnly.run(assigneeId, now, now, req.params.id, assigneeId);
  res.json({ changed: result.changes > 0 });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`bare server on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
