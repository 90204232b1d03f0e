import type { SubscribeMessage } from '../cloud-sdk.js';
import type { FunctionConfig, TemplateField } from '../config.js';
import type { AssignNotification } from '../events.js';
import { cleanText, fitKeyword, formatShanghaiTime, truncate } from './fit-keyword.js';

const CHANNEL_LABELS: Record<AssignNotification['channel'], string> = {
  web: '网页分配',
  miniprogram: '小程序分配',
  batch: '批量分配',
  pool: '公海领取',
};

/**
 * One message per notification, however many customers it lists: a long list becomes
 * "张三等12位客户" and the deep link opens the list instead of one customer.
 */
export function buildSubscribeMessage(config: FunctionConfig, notification: AssignNotification, openid: string): SubscribeMessage {
  const data: Record<string, { value: string }> = {};
  for (const mapping of config.keywords) {
    const value =
      mapping.field === 'customerName' && mapping.type === 'thing'
        ? summarizeCustomers(notification, 20)
        : fitKeyword(mapping.type, rawField(notification, mapping.field));
    data[mapping.keyword] = { value };
  }
  const [first] = notification.customers;
  const notificationQuery = `notificationId=${encodeURIComponent(notification.notificationId)}`;
  const page =
    countOf(notification) === 1 && first
      ? `${config.customerPage}?id=${encodeURIComponent(first.id)}&${notificationQuery}`
      : `${config.customerListPage}?${notificationQuery}`;
  return {
    touser: openid,
    templateId: config.templateId ?? '',
    page,
    data,
    miniprogramState: config.miniprogramState,
    lang: config.lang,
  };
}

export function summarizeCustomers(notification: AssignNotification, limit: number): string {
  const names = notification.customers.map((customer) => cleanText(customer.name)).filter(Boolean);
  const count = countOf(notification);
  if (count <= 1) return truncate(names[0] ?? '', limit, true) || '新客户';
  const suffix = `等${count}位客户`;
  return `${truncate(names[0] ?? '客户', limit - suffix.length, true)}${suffix}`;
}

function countOf(notification: AssignNotification): number {
  return notification.customerCount ?? notification.customers.length;
}

function rawField(notification: AssignNotification, field: TemplateField): string {
  const [first] = notification.customers;
  switch (field) {
    case 'customerName':
      return first?.name ?? '';
    case 'customerCount':
      return String(countOf(notification));
    case 'customerCompany':
      return first?.company ?? '';
    case 'customerPhone':
      return first?.phone ?? '';
    case 'actorName':
      return notification.actor.name;
    case 'assignedAt':
      return formatShanghaiTime(notification.assignedAt);
    case 'note':
      return notification.note ?? '';
    case 'channel':
      return CHANNEL_LABELS[notification.channel];
  }
}
