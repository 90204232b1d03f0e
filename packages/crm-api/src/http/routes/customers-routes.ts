import type { IRouter } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { createCustomer, CUSTOMER_TEXT_MAX, getCustomer, listAssignmentHistory, listCustomers, updateCustomer } from '../../domain/customers.js';
import type { RouteRegistry } from '../route-registry.js';
import { assignmentViewSchema, booleanQuery, customerStatusSchema, customerViewSchema, idParams, idSchema, pageLimitQuery, singleLineText, SQL_INTEGER_MAX } from '../schemas.js';

const phone = z
  .string()
  .trim()
  .regex(/^[0-9+\-() ]{3,32}$/, 'digits, spaces and + - ( ) only, 3 to 32 characters')
  .describe('trimmed; digits, spaces and + - ( ) only, 3 to 32 characters');

const createCustomerBody = z.strictObject({
  name: singleLineText(CUSTOMER_TEXT_MAX.name),
  phone: phone.optional(),
  company: singleLineText(CUSTOMER_TEXT_MAX.company).optional(),
  source: singleLineText(CUSTOMER_TEXT_MAX.source).optional(),
  status: customerStatusSchema.optional(),
});

const updateCustomerBody = z
  .strictObject({
    name: singleLineText(CUSTOMER_TEXT_MAX.name).optional(),
    phone: phone.nullable().optional(),
    company: singleLineText(CUSTOMER_TEXT_MAX.company).nullable().optional(),
    source: singleLineText(CUSTOMER_TEXT_MAX.source).nullable().optional(),
    status: customerStatusSchema.optional(),
    version: z.number().int().positive().max(SQL_INTEGER_MAX).optional(),
  })
  .refine((body) => Object.keys(body).some((key) => key !== 'version'), { message: 'Nothing to update' });

const listCustomersQuery = z.strictObject({
  ownerId: idSchema.optional(),
  inPool: booleanQuery.optional(),
  status: customerStatusSchema.optional(),
  order: z.enum(['oldest', 'newest']).optional().describe('by creation time; oldest first when left out'),
  limit: pageLimitQuery(200, 50),
  cursor: z.string().max(500).optional().describe('nextCursor from the previous page, as issued, with the same order'),
});

export function customersRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {

  registry.route(router, {
    method: 'post',
    path: '/api/customers',
    operationId: 'createCustomer',
    summary: 'Create a customer; it starts in the pool',
    tag: 'Customers',
    body: createCustomerBody,
    status: 201,
    response: customerViewSchema,
    handler: ({ body }) => createCustomer(ctx, body),
  });

  registry.route(router, {
    method: 'get',
    path: '/api/customers',
    operationId: 'listCustomers',
    summary: 'List customers (sales users see their own and the pool), oldest or newest first, cursor paginated',
    tag: 'Customers',
    query: listCustomersQuery,
    response: z.object({ items: z.array(customerViewSchema), nextCursor: z.string().nullable() }),
    handler: ({ actor, query }) => listCustomers(ctx, actor, query),
  });

  registry.route(router, {
    method: 'get',
    path: '/api/customers/:id',
    operationId: 'getCustomer',
    summary: 'One customer',
    tag: 'Customers',
    params: idParams,
    response: customerViewSchema,
    errors: [{ status: 404, description: 'CUSTOMER_NOT_FOUND' }],
    handler: ({ actor, params }) => getCustomer(ctx, actor, params.id),
  });

  registry.route(router, {
    method: 'patch',
    path: '/api/customers/:id',
    operationId: 'updateCustomer',
    summary: 'Update a customer’s fields; a stale version answers 409',
    tag: 'Customers',
    params: idParams,
    body: updateCustomerBody,
    response: customerViewSchema,
    errors: [
      { status: 404, description: 'CUSTOMER_NOT_FOUND' },
      { status: 409, description: 'VERSION_CONFLICT' },
    ],
    handler: ({ actor, params, body }) => updateCustomer(ctx, actor, params.id, body),
  });

  registry.route(router, {
    method: 'get',
    path: '/api/customers/:id/assignments',
    operationId: 'listCustomerAssignments',
    summary: 'Ownership history of a customer, oldest first',
    tag: 'Customers',
    params: idParams,
    response: z.object({ items: z.array(assignmentViewSchema) }),
    errors: [{ status: 404, description: 'CUSTOMER_NOT_FOUND' }],
    handler: async ({ actor, params }) => ({ items: await listAssignmentHistory(ctx, actor, params.id) }),
  });

}
