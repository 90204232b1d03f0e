import type { InvocationLogEntry, PushRecord } from '@leadnotify/wechat-emulator';
import type { Db } from '../../src/db/database.js';
import type { NotificationStatus } from '../../src/delivery/states/statuses.js';
import type { SoakWechat } from './cluster.js';
import type { RequestRecord } from './traffic.js';

/** A message WeChat delivered, as the emulator recorded it. */
export interface DeliveredMessage {
  touser: string;
  templateId: string;
  sentAt: string;
  msgId: string;
  /** From the message's page link; null for the host's messages. */
  deliveryId: string | null;
  /** The invocation whose run sent it; null for the host's messages. */
  invocationId: number | null;
}

export interface NotificationRecord {
  id: string;
  assignee_id: string;
  status: NotificationStatus;
  delivery_id: string | null;
  confirmed_at: string | null;
  reason: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface AttemptRecord {
  notification_id: string;
  delivery_id: string;
  started_at: string;
  finished_at: string;
  outcome: string;
  reason: string | null;
}

export interface HistoryRecord {
  customer_id: string;
  from_owner_id: string | null;
  to_owner_id: string | null;
  via: string;
  created_at: string;
  customer_version: number;
}

/** Everything the figures are computed from: what WeChat really did, what the CRM recorded, what the soak asked. */
export interface GroundTruth {
  ourTemplateId: string;
  messages: DeliveredMessage[];
  invocations: InvocationLogEntry[];
  pushes: PushRecord[];
  /** crmUserId → openid, from the function's bindings. */
  openidOf: Map<string, string>;
  notifications: NotificationRecord[];
  attempts: AttemptRecord[];
  notificationCustomers: Array<{ notification_id: string; customer_id: string }>;
  history: HistoryRecord[];
  receipts: Array<{ id: string; openid: string; delivered: number; received_at: string; settled_delivery_id: string | null }>;
  requests: RequestRecord[];
}

/** Reads the emulator's records and the CRM's tables once the drain is over. */
export async function collectGroundTruth(wechat: SoakWechat, db: Db, requests: RequestRecord[]): Promise<GroundTruth> {
  const [messages, invocations, pushes, bindings] = await Promise.all([
    wechat.control('GET', '/messages'),
    wechat.control('GET', '/invocations'),
    wechat.control('GET', '/pushes'),
    wechat.control('GET', '/bindings'),
  ]);
  const kysely = db.kysely;
  return {
    ourTemplateId: wechat.ourTemplateId,
    messages: messages.items,
    invocations: invocations.items,
    pushes: pushes.items,
    openidOf: new Map((bindings.items as Array<{ crmUserId: string; openid: string }>).map((binding) => [binding.crmUserId, binding.openid])),
    notifications: await kysely.selectFrom('notifications').select(['id', 'assignee_id', 'status', 'delivery_id', 'confirmed_at', 'reason', 'created_at', 'sent_at', 'tried_at', 'template_id', 'msg_id', 'wechat_openid', 'fate_unknown', 'updated_at']).execute(),
    attempts: await kysely.selectFrom('notification_attempts').select(['notification_id', 'delivery_id', 'started_at', 'finished_at', 'outcome', 'reason']).execute(),
    notificationCustomers: await kysely.selectFrom('notification_customers').select(['notification_id', 'customer_id']).execute(),
    history: await kysely
      .selectFrom('assignments')
      .select(['customer_id', 'from_owner_id', 'to_owner_id', 'via', 'created_at', 'customer_version'])
      .orderBy('customer_id')
      .orderBy('customer_version')
      .execute(),
    receipts: await kysely.selectFrom('wechat_receipts').select(['id', 'openid', 'delivered', 'received_at', 'settled_delivery_id', 'created_at', 'template_id', 'msg_id']).execute(),
    requests,
  };
}

/** Rows still to be delivered: `pending` (due or backing off) or `sending` (held, perhaps by a killed process until its lease ends). */
export async function outboxBacklog(db: Db): Promise<number> {
  const row = await db.kysely
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('status', 'in', ['pending', 'sending'])
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
