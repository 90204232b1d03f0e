import type { RequestEvent } from '@leadnotify/wechat-client';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { readBacklog } from '../delivery/outbox/read.js';

const TOKEN_APIS = new Set(['/cgi-bin/stable_token', '/cgi-bin/token']);

/** Prometheus metrics of one process, in their own registry (no global state). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'leadnotify_' });
  const registers = [registry];

  const httpDuration = new Histogram({
    name: 'leadnotify_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const assignments = new Counter({
    name: 'leadnotify_assignments_total',
    help: 'Customers whose owner changed, by the assignment operation',
    labelNames: ['via'],
    registers,
  });
  const unreachableAssignees = new Counter({
    name: 'leadnotify_unreachable_assignees_total',
    help: 'Assignments whose assignee WeChat has said cannot receive the message (not bound, or no subscription left)',
    labelNames: ['reason'],
    registers,
  });
  const notificationsFinished = new Counter({
    name: 'leadnotify_notifications_finished_total',
    help: 'Notifications that reached a final status (sent, skipped, failed, dead), by reason and by the channel that answered (wechat-subscribe, wecom)',
    labelNames: ['status', 'reason', 'channel'],
    registers,
  });
  const sentAfterReassignment = new Counter({
    name: 'leadnotify_sent_after_reassignment_total',
    help: 'Customers named by a message that went out although they were reassigned while it was on its way (the reassignment committed after the ownership check, during the send)',
    registers,
  });
  const notificationRetries = new Counter({
    name: 'leadnotify_notification_retries_total',
    help: 'Delivery attempts that will be retried, by reason',
    labelNames: ['reason'],
    registers,
  });
  const wechatDuration = new Histogram({
    name: 'leadnotify_wechat_request_duration_seconds',
    help: 'Latency of requests to the WeChat API, by API and outcome',
    labelNames: ['api', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers,
  });
  const wechatErrors = new Counter({
    name: 'leadnotify_wechat_errors_total',
    help: 'Failed WeChat requests by API, error code and WeChat errcode',
    labelNames: ['api', 'code', 'errcode'],
    registers,
  });
  const notifierLoops = new Gauge({
    name: 'leadnotify_notifier_loops',
    help: 'Delivery loops running in this process, each with at most one invocation in flight: they follow the backlog, up to NOTIFY_CONCURRENCY',
    registers,
  });
  const tokenRefreshes = new Counter({
    name: 'leadnotify_wechat_token_requests_total',
    help: 'Access token requests sent to WeChat',
    registers,
  });

  return {
    registry,
    observeHttp(method: string, route: string, status: number, seconds: number) {
      httpDuration.observe({ method, route, status: String(status) }, seconds);
    },
    countUnreachableAssignee(reason: string) {
      unreachableAssignees.inc({ reason });
    },
    countAssignments(via: string, customers: number) {
      if (customers > 0) assignments.inc({ via }, customers);
    },
    countNotification(status: string, reason: string, channel = '') {
      if (status === 'pending') notificationRetries.inc({ reason });
      else notificationsFinished.inc({ status, reason, channel });
    },
    setNotifierLoops(loops: number) {
      notifierLoops.set(loops);
    },
    countSentAfterReassignment(customers: number) {
      if (customers > 0) sentAfterReassignment.inc(customers);
    },
    /** Pass as wechat-client's onRequest. */
    observeWechat(event: RequestEvent) {
      wechatDuration.observe({ api: event.api, outcome: event.outcome }, event.durationMs / 1000);
      if (event.outcome !== 'ok') wechatErrors.inc({ api: event.api, code: event.outcome, errcode: String(event.errcode ?? '') });
      if (TOKEN_APIS.has(event.api)) tokenRefreshes.inc();
    },
    /**
     * How many active salespeople the next lead would reach, by what WeChat has told the CRM (`reachable`,
     * `unreachable: NO_SUBSCRIPTION` — their stock is used up or they turned reminders off —, `unreachable: NOT_BOUND`,
     * `unknown`), counted at each scrape: a manager's alert, not a number hidden in JSON nobody reads.
     */
    watchSalespeople(count: () => Promise<ReadonlyMap<string, number>>) {
      new Gauge({
        name: 'leadnotify_salespeople',
        help: 'Active sales users by whether the next lead would reach them (reachable, unreachable: NO_SUBSCRIPTION, unreachable: NOT_BOUND, unknown)',
        labelNames: ['expected'],
        registers,
        async collect() {
          const counts = await count();
          this.reset();
          for (const [expected, users] of counts) this.set({ expected }, users);
        },
      });
    },
    /** Backlog gauges, read from the database at each scrape. */
    watchOutbox(db: Db, clock: Clock) {
      new Gauge({
        name: 'leadnotify_outbox_notifications',
        help: 'Notifications waiting or in flight, by status',
        labelNames: ['status'],
        registers,
        async collect() {
          const { counts } = await readBacklog(db.kysely);
          this.reset();
          for (const [status, count] of counts) this.set({ status }, count);
        },
      });
      new Gauge({
        name: 'leadnotify_outbox_oldest_pending_age_seconds',
        help: 'Age of the oldest notification not yet delivered',
        registers,
        async collect() {
          const { oldestCreatedAt } = await readBacklog(db.kysely);
          this.set(oldestCreatedAt ? Math.max(0, (clock.now() - Date.parse(oldestCreatedAt)) / 1000) : 0);
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
