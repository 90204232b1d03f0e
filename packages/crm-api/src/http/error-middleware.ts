import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ApiError, errorBody, toApiError } from './api-error.js';

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError({ code: 'ROUTE_NOT_FOUND', message: `No route for ${req.method} ${req.path}` }));
};

/** Maps any error to the API's one error shape; 5xx are logged with their cause, 4xx are not noise. */
export const errorHandler: ErrorRequestHandler = (thrown, req, res, _next) => {
  const error = toApiError(thrown);
  if (error.status >= 500) req.log?.error({ err: error.cause ?? error }, 'request failed');
  res.status(error.status).json(errorBody(error));
};

/**
 * The same for mini-program routes, in their envelope: `{code: <HTTP status>, message, data: null}` plus the
 * API's usual `error` object (success is `{code: 0, message: "ok", data}`).
 */
export const miniprogramErrorHandler: ErrorRequestHandler = (thrown, req, res, _next) => {
  const error = toApiError(thrown);
  if (error.status >= 500) req.log?.error({ err: error.cause ?? error }, 'request failed');
  res.status(error.status).json({ code: error.status, message: error.message, data: null, ...errorBody(error) });
};
