import { ASSIGNED_VIA_LABELS, formatBeijingTime, type DeliveryEvent } from '@leadnotify/contracts';
import type { SubscribeMessage } from '../cloud-sdk.js';
import type { FunctionConfig, LeadTemplate, TemplateField } from '../config.js';
import { cleanText, fitKeyword, truncate, type TextOptions } from './fit-keyword.js';

/**
 * One message per delivery, however many customers it lists: a long list becomes
 * "张三等12位客户" and the deep link opens the list instead of one customer.
 */
export function buildSubscribeMessage(
  config: FunctionConfig,
  template: LeadTemplate,
  notification: DeliveryEvent,
  openid: string,
  options: TextOptions = {},
): SubscribeMessage {
  const data: Record<string, { value: string }> = {};
  for (const mapping of template.keywords) {
    const value =
      mapping.field === 'customerName' && mapping.type === 'thing'
        ? summarizeCustomers(notification, 20, options)
        : fitKeyword(mapping.type, rawField(notification, mapping.field), options);
    data[mapping.keyword] = { value };
  }
  const [first] = notification.customers;
  const deliveryQuery = `deliveryId=${encodeURIComponent(notification.deliveryId)}`;
  const page =
    countOf(notification) === 1 && first
      ? `${config.customerPage}?id=${encodeURIComponent(first.id)}&${deliveryQuery}`
      : `${config.customerListPage}?${deliveryQuery}`;
  return {
    touser: openid,
    templateId: template.id,
    page,
    data,
    miniprogramState: config.miniprogramState,
    lang: config.lang,
  };
}

export function summarizeCustomers(notification: DeliveryEvent, limit: number, options: TextOptions = {}): string {
  const names = notification.customers.map((customer) => cleanText(customer.name, options)).filter(Boolean);
  const count = countOf(notification);
  if (count <= 1) return truncate(names[0] ?? '', limit, true) || '新客户';
  const suffix = `等${count}位客户`;
  return `${truncate(names[0] ?? '客户', limit - suffix.length, true)}${suffix}`;
}

function countOf(notification: DeliveryEvent): number {
  return notification.customerCount ?? notification.customers.length;
}

function rawField(notification: DeliveryEvent, field: TemplateField): string {
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
    case 'customerSource':
      return first?.source ?? '';
    case 'actorName':
      return notification.actor.name;
    case 'assignedAt':
      return formatBeijingTime(Date.parse(notification.assignedAt));
    case 'note':
      return notification.note ?? '';
    case 'assignedVia':
      return ASSIGNED_VIA_LABELS[notification.via];
  }
}
