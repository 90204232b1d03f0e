/**
 * Event shapes and their validation. Hand-written because the deployed function may depend on nothing
 * but wx-server-sdk.
 */
export interface NotificationCustomer {
  id: string;
  name: string;
  company?: string;
  phone?: string;
}

export interface AssignNotification {
  notificationId: string;
  /** CRM user id of the assignee; the binding gives the openid. */
  assigneeId: string;
  /** When the CRM already knows the openid. */
  openid?: string;
  customers: NotificationCustomer[];
  /** How many customers were assigned in all, when `customers` lists only the first few. */
  customerCount?: number;
  actor: { id?: string; name: string };
  channel: 'web' | 'miniprogram' | 'batch' | 'pool';
  note?: string;
  /** ISO-8601 time of the assignment. */
  assignedAt: string;
}

export interface Problem {
  path: string;
  message: string;
}

const CHANNELS = ['web', 'miniprogram', 'batch', 'pool'];
const MAX_CUSTOMERS = 1000;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown, path: string, problems: Problem[], options: { optional?: boolean; max?: number } = {}): string | undefined {
  if (value === undefined || value === null) {
    if (!options.optional) problems.push({ path, message: 'is required' });
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push({ path, message: 'must be a non-empty string' });
    return undefined;
  }
  if (value.length > (options.max ?? 256)) {
    problems.push({ path, message: `must be at most ${options.max ?? 256} characters` });
    return undefined;
  }
  return value;
}

export function parseNotification(value: unknown, path = 'notification'): { notification?: AssignNotification; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!isObject(value)) return { problems: [{ path, message: 'must be an object' }] };
  const notificationId = text(value.notificationId, `${path}.notificationId`, problems, { max: 128 });
  const assigneeId = text(value.assigneeId, `${path}.assigneeId`, problems, { max: 128 });
  const openid = text(value.openid, `${path}.openid`, problems, { optional: true, max: 128 });
  const note = value.note === '' ? undefined : text(value.note, `${path}.note`, problems, { optional: true, max: 500 });
  const assignedAt = text(value.assignedAt, `${path}.assignedAt`, problems, { max: 64 });
  if (assignedAt !== undefined && Number.isNaN(Date.parse(assignedAt))) {
    problems.push({ path: `${path}.assignedAt`, message: 'must be an ISO-8601 time' });
  }
  const channel = value.channel;
  if (typeof channel !== 'string' || !CHANNELS.includes(channel)) {
    problems.push({ path: `${path}.channel`, message: `must be one of ${CHANNELS.join(', ')}` });
  }
  let actorName: string | undefined;
  let actorId: string | undefined;
  if (!isObject(value.actor)) {
    problems.push({ path: `${path}.actor`, message: 'must be an object with a name' });
  } else {
    actorName = text(value.actor.name, `${path}.actor.name`, problems, { max: 100 });
    actorId = text(value.actor.id, `${path}.actor.id`, problems, { optional: true, max: 128 });
  }
  const customerCount = value.customerCount;
  const listed = Array.isArray(value.customers) ? value.customers.length : 0;
  if (customerCount !== undefined && (typeof customerCount !== 'number' || !Number.isInteger(customerCount) || customerCount < listed)) {
    problems.push({ path: `${path}.customerCount`, message: 'must be an integer no smaller than the number of customers listed' });
  }
  const customers: NotificationCustomer[] = [];
  if (!Array.isArray(value.customers) || value.customers.length === 0 || value.customers.length > MAX_CUSTOMERS) {
    problems.push({ path: `${path}.customers`, message: `must list 1 to ${MAX_CUSTOMERS} customers` });
  } else {
    value.customers.forEach((customer: unknown, index: number) => {
      const at = `${path}.customers.${index}`;
      if (!isObject(customer)) {
        problems.push({ path: at, message: 'must be an object' });
        return;
      }
      const id = text(customer.id, `${at}.id`, problems, { max: 128 });
      const name = text(customer.name, `${at}.name`, problems, { max: 200 });
      const company = text(customer.company, `${at}.company`, problems, { optional: true, max: 200 });
      const phone = text(customer.phone, `${at}.phone`, problems, { optional: true, max: 64 });
      if (id !== undefined && name !== undefined) {
        customers.push({ id, name, ...(company ? { company } : {}), ...(phone ? { phone } : {}) });
      }
    });
  }
  if (problems.length > 0) return { problems };
  return {
    problems,
    notification: {
      notificationId: notificationId as string,
      assigneeId: assigneeId as string,
      ...(openid ? { openid } : {}),
      customers,
      ...(typeof customerCount === 'number' ? { customerCount } : {}),
      actor: actorId ? { id: actorId, name: actorName as string } : { name: actorName as string },
      channel: channel as AssignNotification['channel'],
      ...(note ? { note } : {}),
      assignedAt: assignedAt as string,
    },
  };
}
