import { sql } from 'kysely';
import type { Engine } from './database.js';
import type { NotificationStatus } from '../delivery/states/statuses.js';
import type { Trx } from './transaction.js';

/**
 * The overview's counts of notifications created in [from, to), each per UTC hour (the first 13 characters of the ISO
 * time): the caller folds hours into Beijing days with the time module, which keeps the day rule in one place — Beijing
 * is a whole number of hours from UTC, so every hour falls in one day.
 */
export interface OverviewRows {
  byStatus: Array<{ hour: string; status: NotificationStatus; count: number }>;
  sentByChannel: Array<{ hour: string; channel: string | null; count: number }>;
  /** Each salesperson with a skipped notification in an hour, once per hour. */
  skippedAssignees: Array<{ hour: string; assigneeId: string }>;
  /** Sent notifications by latency bucket: index i counts latencies up to bucketsMs[i], the last index beyond them all. */
  latency: Array<{ bucket: number; count: number }>;
}

const hourOf = sql<string>`substr(created_at, 1, 13)`;

/** Milliseconds from assignment (created_at) to the message (sent_at), in each engine's own date arithmetic. */
function latencyMs(engine: Engine) {
  return engine === 'postgres'
    ? sql<number>`(extract(epoch from (sent_at::timestamptz - created_at::timestamptz)) * 1000)`
    : sql<number>`((julianday(sent_at) - julianday(created_at)) * 86400000.0)`;
}

export async function readOverviewRows(db: Trx, engine: Engine, range: { from: string; to: string }, bucketsMs: readonly number[]): Promise<OverviewRows> {
  const inRange = db.selectFrom('notifications').where('created_at', '>=', range.from).where('created_at', '<', range.to);
  const latency = latencyMs(engine);
  const bucket = sql<number>`case ${sql.join(
    bucketsMs.map((limit, index) => sql`when ${latency} <= ${sql.lit(limit)} then ${sql.lit(index)}`),
    sql` `,
  )} else ${sql.lit(bucketsMs.length)} end`;
  const [byStatus, sentByChannel, skippedAssignees, latencyRows] = await Promise.all([
    inRange.select([hourOf.as('hour'), 'status', (eb) => eb.fn.countAll<string | number>().as('count')]).groupBy([hourOf, 'status']).execute(),
    inRange
      .select([hourOf.as('hour'), 'channel', (eb) => eb.fn.countAll<string | number>().as('count')])
      .where('status', '=', 'sent')
      .groupBy([hourOf, 'channel'])
      .execute(),
    inRange.select([hourOf.as('hour'), 'assignee_id']).where('status', '=', 'skipped').groupBy([hourOf, 'assignee_id']).execute(),
    inRange
      .select([bucket.as('bucket'), (eb) => eb.fn.countAll<string | number>().as('count')])
      .where('status', '=', 'sent')
      .where('sent_at', 'is not', null)
      .groupBy(bucket)
      .execute(),
  ]);
  return {
    byStatus: byStatus.map((row) => ({ hour: row.hour, status: row.status, count: Number(row.count) })),
    sentByChannel: sentByChannel.map((row) => ({ hour: row.hour, channel: row.channel, count: Number(row.count) })),
    skippedAssignees: skippedAssignees.map((row) => ({ hour: row.hour, assigneeId: row.assignee_id })),
    latency: latencyRows.map((row) => ({ bucket: Number(row.bucket), count: Number(row.count) })),
  };
}
