import type { IRouter } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { ApiError } from '../api-error.js';
import type { RouteRegistry } from '../route-registry.js';

export function healthRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {
  registry.route(router, {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'The process is up',
    tag: 'Operations',
    authenticated: false,
    response: z.object({ status: z.literal('ok') }),
    handler: () => ({ status: 'ok' as const }),
  });
  registry.route(router, {
    method: 'get',
    path: '/readyz',
    operationId: 'ready',
    summary: 'The database is reachable',
    tag: 'Operations',
    authenticated: false,
    response: z.object({ status: z.literal('ready'), database: z.enum(['sqlite', 'postgres']) }),
    errors: [{ status: 503, description: 'DATABASE_UNAVAILABLE' }],
    handler: async () => {
      try {
        await sql`select 1`.execute(ctx.db.kysely);
      } catch (cause) {
        throw new ApiError({ code: 'DATABASE_UNAVAILABLE', message: 'The database is not reachable', cause });
      }
      return { status: 'ready' as const, database: ctx.db.engine };
    },
  });
}
