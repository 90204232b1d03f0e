import { Router } from 'express';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { ApiError } from './api-error.js';

export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await sql`select 1`.execute(ctx.db.kysely);
    } catch (cause) {
      throw new ApiError({ code: 'DATABASE_UNAVAILABLE', message: 'The database is not reachable', cause });
    }
    res.json({ status: 'ready', database: ctx.db.engine });
  });
  return router;
}
