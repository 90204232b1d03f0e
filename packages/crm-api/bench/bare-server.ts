import express from 'express';
import SqliteDatabase from 'better-sqlite3';

/**
 * The baseline for "API overhead": Express + better-sqlite3 doing only the conditional UPDATE an assignment
 * needs, with the same SQLite settings, and nothing else (no auth, validation, history or outbox).
 */
const sqlite = new SqliteDatabase(process.env.DATABASE_URL ?? ':memory:');
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('synchronous = NORMAL');
const assign = sqlite.prepare(
  'UPDATE customers SET owner_id = ?, version = version + 1, assigned_at = ?, updated_at = ? WHERE id = ? AND (owner_id IS NULL OR owner_id <> ?)',
);

const app = express();
app.use(express.json());
app.post('/api/customers/:id/assign', (req, res) => {
  const now = new Date().toISOString();
  const assigneeId = String((req.body as { assigneeId?: unknown }).assigneeId);
  const result = assign.run(assigneeId, now, now, req.params.id, assigneeId);
  res.json({ changed: result.changes > 0 });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`bare server on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
