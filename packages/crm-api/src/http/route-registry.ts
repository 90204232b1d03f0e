import type { IRouter, Request, Response } from 'express';
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { actorOf } from './authenticate.js';
import { parseRequest } from './validate.js';

/**
 * One route: how express serves it and how /openapi.json describes it, from the same zod schemas that
 * validate its params, query and body.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R> {
  method: 'get' | 'post' | 'patch';
  /** Express path, e.g. /api/customers/:id */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** false for the health checks; every other route needs a bearer token. */
  authenticated?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  status?: number;
  /** What the success answer is; JSON unless said. */
  contentType?: string;
  response: z.ZodType<R>;
  /** Error codes this route may answer with, beyond the ones every route has. */
  errors?: Array<{ status: number; description: string }>;
  handler: (input: { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B>; actor: Actor; req: Request; res: Response }) => Promise<R> | R;
}

export type AnyRouteSpec = RouteSpec<z.ZodType, z.ZodType, z.ZodType, unknown>;

/**
 * What a route without a query schema takes: nothing. Any parameter is refused (and checked for control characters
 * first), as unknown ones are where there is a schema; no documented client sends one.
 */
const NO_QUERY = z.strictObject({});

/** Collects route specs while mounting them, so the OpenAPI document lists exactly what is served. */
export function createRouteRegistry() {
  const specs: AnyRouteSpec[] = [];
  return {
    specs,
    route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R>(
      router: IRouter,
      spec: RouteSpec<P, Q, B, R>,
      send: (res: Response, status: number, result: R) => void = (res, status, result) => void res.status(status).json(result),
    ): void {
      specs.push(spec as unknown as AnyRouteSpec);
      router[spec.method](spec.path, async (req, res) => {
        const params = spec.params ? parseRequest(spec.params, req.params, 'params') : undefined;
        const query = parseRequest(spec.query ?? NO_QUERY, req.query, 'query');
        // No body at all (the parser leaves req.body undefined) is an empty object; a JSON `null` body is refused.
        const body = spec.body ? parseRequest(spec.body, req.body === undefined ? {} : req.body, 'body') : undefined;
        const actor = spec.authenticated === false ? (undefined as unknown as Actor) : actorOf(req);
        const result = await spec.handler({ params, query, body, actor, req, res } as Parameters<typeof spec.handler>[0]);
        send(res, spec.status ?? 200, result);
      });
    },
  };
}

export type RouteRegistry = ReturnType<typeof createRouteRegistry>;
