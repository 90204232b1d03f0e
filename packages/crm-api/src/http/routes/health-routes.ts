import type { IRouter } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { ApiError } from '../api-error.js';
import type { RouteRegistry } from '../route-registry.js';

/** What /healthz answers, here and in the worker: the schema and the value from one literal. */
export const ALIVE = z.literal('ok');
const READY = z.literal('ready');
/** Monitors and load balancers add cache-busting parameters (`?_=1700000000`): a health check ignores its query. */
const IGNORED_QUERY = z.record(z.string(), z.unknown()).describe('ignored');

export function healthRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {
  registry.route(router, {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'The process is up',
    tag: 'Operations',
    authenticated: false,
    query: IGNORED_QUERY,
    response: z.object({ status: ALIVE }),
    handler: () => ({ status: ALIVE.value }),
  });
  registry.route(router, {
    method: 'get',
    path: '/readyz',
    operationId: 'ready',
    summary: 'The database is reachable',
    tag: 'Operations',
    authenticated: false,
    query: IGNORED_QUERY,
    response: z.object({ status: READY, database: z.enum(['sqlite', 'postgres']) }),
    errors: [{ status: 503, description: 'DATABASE_UNAVAILABLE' }],
    handler: async () => {
      try {
        await sql`select 1`.execute(ctx.db.kysely);
      } catch (cause) {
        throw new ApiError({ code: 'DATABASE_UNAVAILABLE', message: 'The database is not reachable', cause });
      }
      return { status: READY.value, database: ctx.db.engine };
    },
  });
}
