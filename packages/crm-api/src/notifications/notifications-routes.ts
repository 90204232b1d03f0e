import { Router } from 'express';
import { z } from 'zod';
import { actorOf } from '../auth/actor.js';
import type { AppContext } from '../context.js';
import { idParams, idSchema } from '../http/schemas.js';
import { parseRequest } from '../http/validate.js';
import { getNotification, listNotifications, retryNotification } from './notifications.js';

const listNotificationsQuery = z.strictObject({
  customerId: idSchema.optional(),
  assigneeId: idSchema.optional(),
  status: z.enum(['pending', 'sending', 'sent', 'skipped', 'failed', 'dead']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function notificationsRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/notifications', async (req, res) => {
    const query = parseRequest(listNotificationsQuery, req.query, 'query');
    res.json({ items: await listNotifications(ctx, actorOf(req), query) });
  });

  router.get('/notifications/:id', async (req, res) => {
    const { id } = parseRequest(idParams, req.params, 'params');
    res.json(await getNotification(ctx, actorOf(req), id));
  });

  router.post('/notifications/:id/retry', async (req, res) => {
    const { id } = parseRequest(idParams, req.params, 'params');
    res.json(await retryNotification(ctx, actorOf(req), id));
  });

  return router;
}
