import { apiFailure, send } from './api-failure.js';
import type { KitRequest } from './kit-config.js';
import { KitError } from './kit-error.js';

/** The fields of crm-api's Customer view (customers/customers.ts customerViewSchema) the pages show. */
export interface Customer {
  id: string;
  name: string;
  phone: string | null;
  company: string | null;
  status: string;
  ownerId: string | null;
  assignedAt: string | null;
}

function isCustomer(value: unknown): value is Customer {
  const row = value as Partial<Customer> | null;
  return typeof row?.id === 'string' && typeof row.name === 'string';
}

async function getJson(request: KitRequest, path: string): Promise<unknown> {
  const response = await send(`GET ${path}`, () => request({ method: 'GET', path }));
  if (response.statusCode < 200 || response.statusCode >= 300) throw apiFailure(`GET ${path}`, response);
  return response.data;
}

/** GET /api/customers/:id */
export async function getCustomer(request: KitRequest, id: string): Promise<Customer> {
  const data = await getJson(request, `/api/customers/${encodeURIComponent(id)}`);
  if (!isCustomer(data)) throw new KitError({ code: 'SERVICE_ERROR', message: 'GET /api/customers/:id: not a customer' });
  return data;
}

/** What the list page shows of a customer: a live Customer, or one as a message listed it. */
export interface ListedCustomer {
  id: string;
  name: string;
  company: string | null;
  /** Unknown for a customer as a message listed it (the snapshot has no status). */
  status: string | null;
  assignedAt: string | null;
}

/**
 * The signed-in user's own customers, newest first: GET /api/me for the id, then
 * GET /api/customers?ownerId=<id>&order=newest. crm-api has no `ownerId=me`; a sales user asking for another
 * owner gets 403.
 */
export async function listMyCustomers(request: KitRequest, limit = 50): Promise<Customer[]> {
  const me = (await getJson(request, '/api/me')) as { id?: unknown } | null;
  if (typeof me?.id !== 'string') throw new KitError({ code: 'SERVICE_ERROR', message: 'GET /api/me: no user id' });
  const page = (await getJson(request, `/api/customers?ownerId=${encodeURIComponent(me.id)}&order=newest&limit=${limit}`)) as { items?: unknown } | null;
  if (!Array.isArray(page?.items) || !page.items.every(isCustomer)) {
    throw new KitError({ code: 'SERVICE_ERROR', message: 'GET /api/customers: no items' });
  }
  return page.items;
}

/** The fields of crm-api's Notification view (domain/notifications.ts) the list page reads. */
interface DeliveredNotification {
  createdAt: string;
  status: string;
  customers: Array<{ id: string; name: string; company: string | null }>;
}

function isDeliveredNotification(value: unknown): value is DeliveredNotification {
  const row = value as Partial<DeliveredNotification> | null;
  return typeof row?.createdAt === 'string' && typeof row.status === 'string' && Array.isArray(row.customers) && row.customers.every(isCustomer);
}

/**
 * The customers one message listed, in the message's order: GET /api/notifications?deliveryId=… (a sales user
 * gets only their own notifications), each with its customers as they were at assignment time — but for those
 * withdrawn before it went out (their customers went to someone else; the message did not name them). Empty when
 * no notification of the user's went out under that id (e.g. the message was sent again under a new one).
 */
export async function listDeliveredCustomers(request: KitRequest, deliveryId: string): Promise<ListedCustomer[]> {
  const path = `/api/notifications?deliveryId=${encodeURIComponent(deliveryId)}&limit=200`;
  const page = (await getJson(request, path)) as { items?: unknown } | null;
  if (!Array.isArray(page?.items) || !page.items.every(isDeliveredNotification)) {
    throw new KitError({ code: 'SERVICE_ERROR', message: 'GET /api/notifications: no items' });
  }
  const listed = new Map<string, ListedCustomer>();
  // Newest first from the API; the message lists the oldest assignment first.
  for (const notification of [...page.items].reverse().filter((item) => item.status !== 'withdrawn')) {
    for (const customer of notification.customers) {
      if (!listed.has(customer.id)) {
        listed.set(customer.id, { id: customer.id, name: customer.name, company: customer.company ?? null, status: null, assignedAt: notification.createdAt });
      }
    }
  }
  return [...listed.values()];
}
