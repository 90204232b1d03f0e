import { DAY_MS, formatBeijingTime, startOfBeijingDay, startOfNextBeijingDay } from '@leadnotify/contracts';
import type { AppContext } from '../context.js';
import { readOverviewRows } from '../db/console-overview-store.js';
import { NOTIFICATION_STATUSES, type NotificationStatus } from '../delivery/states/statuses.js';
import { requireRole, type Actor } from './actor.js';

/** Upper limits of the latency buckets, ms: a second, five, fifteen, a minute, five minutes, an hour; then beyond. */
export const LATENCY_BUCKETS_MS = [1_000, 5_000, 15_000, 60_000, 300_000, 3_600_000] as const;

export interface OverviewDay {
  /** A Beijing day, YYYY-MM-DD. */
  date: string;
  byStatus: Record<NotificationStatus, number>;
  /** Sent notifications by the channel they went out on. */
  byChannel: { wechat: number; wecom: number };
  /** Salespeople with at least one skipped notification that day. */
  unreachable: number;
}

export interface Overview {
  days: OverviewDay[];
  /** Assignment → message time of the sent notifications of the range: counts[i] up to bucketsMs[i], the last beyond. */
  latency: { bucketsMs: number[]; counts: number[] };
}

/** The console's overview of the last `days` Beijing days (today included), oldest first, of notifications created then. */
export async function consoleOverview(ctx: AppContext, actor: Actor, days: number): Promise<Overview> {
  requireRole(actor, ['admin', 'manager'], 'see the overview');
  const to = startOfNextBeijingDay(ctx.clock.now());
  const from = to - days * DAY_MS;
  const rows = await readOverviewRows(ctx.db.kysely, ctx.db.engine, { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, LATENCY_BUCKETS_MS);
  const list: OverviewDay[] = Array.from({ length: days }, (_, index) => ({
    date: formatBeijingTime(from + index * DAY_MS).slice(0, 10),
    byStatus: Object.fromEntries(NOTIFICATION_STATUSES.map((status) => [status, 0])) as Record<NotificationStatus, number>,
    byChannel: { wechat: 0, wecom: 0 },
    unreachable: 0,
  }));
  const dayOf = (hour: string) => list[Math.floor((startOfBeijingDay(Date.parse(`${hour}:00:00Z`)) - from) / DAY_MS)];
  for (const row of rows.byStatus) {
    const day = dayOf(row.hour);
    if (day) day.byStatus[row.status] += row.count;
  }
  for (const row of rows.sentByChannel) {
    const day = dayOf(row.hour);
    // No channel recorded: sent before there was a second channel (migration 0016), so by subscribe message.
    if (day) day.byChannel[row.channel === 'wecom' ? 'wecom' : 'wechat'] += row.count;
  }
  const skippedByDay = new Map<OverviewDay, Set<string>>();
  for (const row of rows.skippedAssignees) {
    const day = dayOf(row.hour);
    if (day) skippedByDay.set(day, (skippedByDay.get(day) ?? new Set()).add(row.assigneeId));
  }
  for (const [day, assignees] of skippedByDay) day.unreachable = assignees.size;
  const counts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const row of rows.latency) counts[row.bucket] = (counts[row.bucket] ?? 0) + row.count;
  return { days: list, latency: { bucketsMs: [...LATENCY_BUCKETS_MS], counts } };
}
