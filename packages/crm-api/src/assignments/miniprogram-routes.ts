import { type ErrorRequestHandler, Router } from 'express';
import { actorOf } from '../auth/actor.js';
import type { AppContext } from '../context.js';
import { errorBody, toApiError } from '../http/api-error.js';
import { idParams } from '../http/schemas.js';
import { parseRequest } from '../http/validate.js';
import { assignCustomerForMiniprogram } from './assignment-operations.js';
import { assignBody } from './assignment-routes.js';

/**
 * Mini-program clients read `{code: 0, message: "ok", data}`; an error has a non-zero `code` (the HTTP
 * status) and also carries the API's usual `error` object.
 */
export function miniprogramRoutes(ctx: AppContext): Router {
  const router = Router();

  router.post('/customers/:id/assign', async (req, res) => {
    const { id } = parseRequest(idParams, req.params, 'params');
    const body = parseRequest(assignBody, req.body, 'body');
    const data = await assignCustomerForMiniprogram(ctx, actorOf(req), { customerId: id, ...body });
    res.json({ code: 0, message: 'ok', data });
  });

  return router;
}

export const miniprogramErrorHandler: ErrorRequestHandler = (thrown, req, res, _next) => {
  const error = toApiError(thrown);
  if (error.status >= 500) req.log?.error({ err: error.cause ?? error }, 'request failed');
  res.status(error.status).json({ code: error.status, message: error.message, data: null, ...errorBody(error) });
};
