import type { IRouter } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { assignCustomerForMiniprogram } from '../../domain/assignments/assignment-operations.js';
import type { RouteRegistry } from '../route-registry.js';
import { idParams, singleAssignmentSchema } from '../schemas.js';
import { ASSIGN_ERRORS, assignBody } from './assignment-routes.js';

/**
 * Mini-program clients read `{code: 0, message: "ok", data}`; an error has a non-zero `code` (the HTTP
 * status) and also carries the API's usual `error` object.
 */
export function miniprogramRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {

  registry.route(
    router,
    {
      method: 'post',
      path: '/api/miniprogram/customers/:id/assign',
      operationId: 'assignCustomerForMiniprogram',
      summary: 'Assign one customer from the mini program (manager, admin), in the mini-program envelope',
      tag: 'Assignments',
      params: idParams,
      body: assignBody,
      response: z.object({ code: z.literal(0), message: z.literal('ok'), data: singleAssignmentSchema }).meta({ id: 'MiniprogramAssignment' }),
      errors: ASSIGN_ERRORS,
      handler: async ({ actor, params, body }) => ({
        code: 0 as const,
        message: 'ok' as const,
        data: await assignCustomerForMiniprogram(ctx, actor, { customerId: params.id, ...body }),
      }),
    },
  );

}
