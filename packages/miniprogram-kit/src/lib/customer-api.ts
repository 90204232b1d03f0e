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

/**
 * The signed-in user's own customers: GET /api/me for the id, then GET /api/customers?ownerId=<id>.
 * crm-api has no `ownerId=me`; a sales user asking for another owner gets 403.
 */
export async function listMyCustomers(request: KitRequest, limit = 50): Promise<Customer[]> {
  const me = (await getJson(request, '/api/me')) as { id?: unknown } | null;
  if (typeof me?.id !== 'string') throw new KitError({ code: 'SERVICE_ERROR', message: 'GET /api/me: no user id' });
  const page = (await getJson(request, `/api/customers?ownerId=${encodeURIComponent(me.id)}&limit=${limit}`)) as { items?: unknown } | null;
  if (!Array.isArray(page?.items) || !page.items.every(isCustomer)) {
    throw new KitError({ code: 'SERVICE_ERROR', message: 'GET /api/customers: no items' });
  }
  return page.items;
}
