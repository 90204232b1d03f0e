import type { IRouter } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { assignCustomer, assignFromPool, batchAssignCustomers } from '../../domain/assignments/assignment-operations.js';
import { releaseCustomer } from '../../domain/assignments/release-customer.js';
import type { RouteRegistry } from '../route-registry.js';
import { assignOutcomeSchema, customerViewSchema, idParams, idSchema, noteSchema, singleAssignmentSchema } from '../schemas.js';

export const assignBody = z.strictObject({ assigneeId: idSchema, note: noteSchema.optional() });
const batchAssignBody = z.strictObject({
  customerIds: z.array(idSchema).min(1),
  assigneeId: idSchema,
  note: noteSchema.optional(),
});
const poolAssignBody = z.strictObject({ assigneeId: idSchema.optional(), note: noteSchema.optional() });
const releaseBody = z.strictObject({ note: noteSchema.optional() });

export const ASSIGN_ERRORS = [
  { status: 404, description: 'CUSTOMER_NOT_FOUND or USER_NOT_FOUND' },
  { status: 409, description: 'VERSION_CONFLICT: the customer changed meanwhile' },
  { status: 422, description: 'ASSIGNEE_INACTIVE, or NOT_A_SALES_USER: customers go to sales users only' },
];

export function assignmentRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {

  registry.route(router, {
    method: 'post',
    path: '/api/customers/batch-assign',
    operationId: 'batchAssignCustomers',
    summary: 'Assign many customers to one user, all or nothing (manager, admin)',
    description: 'One notification for the assignee lists every customer that changed owner.',
    tag: 'Assignments',
    body: batchAssignBody,
    response: assignOutcomeSchema,
    errors: [...ASSIGN_ERRORS, { status: 400, description: 'BATCH_TOO_LARGE: more than BATCH_ASSIGN_MAX customers' }],
    handler: ({ actor, body }) => batchAssignCustomers(ctx, actor, body),
  });

  registry.route(router, {
    method: 'post',
    path: '/api/customers/:id/assign',
    operationId: 'assignCustomer',
    summary: 'Assign one customer (manager, admin)',
    tag: 'Assignments',
    params: idParams,
    body: assignBody,
    response: singleAssignmentSchema,
    errors: ASSIGN_ERRORS,
    handler: ({ actor, params, body }) => assignCustomer(ctx, actor, { customerId: params.id, ...body }),
  });

  registry.route(router, {
    method: 'post',
    path: '/api/pool/customers/:id/assign',
    operationId: 'assignFromPool',
    summary: 'Take a customer from the pool: a sales user claims for themselves, a manager names anyone',
    description:
      'A sales user sends no body (or names themselves in `assigneeId`) and the pool rules apply. A manager or admin must name the sales user in `assigneeId`: without it, 400 VALIDATION_FAILED.',
    tag: 'Assignments',
    params: idParams,
    body: poolAssignBody,
    response: singleAssignmentSchema,
    errors: [
      ...ASSIGN_ERRORS,
      { status: 409, description: "CUSTOMER_NOT_IN_POOL: someone else has it (managers and admins; to a sales user another's customer is 404 CUSTOMER_NOT_FOUND, like an unknown id)" },
      { status: 422, description: 'POOL_MAX_OWNED_REACHED, POOL_DAILY_CLAIMS_REACHED or POOL_RECLAIM_COOLDOWN' },
    ],
    handler: ({ actor, params, body }) => assignFromPool(ctx, actor, { customerId: params.id, ...body }),
  });

  registry.route(router, {
    method: 'post',
    path: '/api/customers/:id/release',
    operationId: 'releaseCustomer',
    summary: 'Return a customer to the pool (owner, manager, admin)',
    tag: 'Assignments',
    params: idParams,
    body: releaseBody,
    response: z.object({ customer: customerViewSchema }),
    errors: [
      { status: 404, description: 'CUSTOMER_NOT_FOUND' },
      { status: 409, description: 'CUSTOMER_ALREADY_IN_POOL' },
    ],
    handler: async ({ actor, params, body }) => ({ customer: await releaseCustomer(ctx, actor, params.id, body.note) }),
  });

}
