import { Router } from 'express';
import { z } from 'zod';
import { actorOf, requireRole } from '../auth/actor.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../http/api-error.js';
import { booleanQuery, idParams, roleSchema } from '../http/schemas.js';
import { parseRequest } from '../http/validate.js';
import { issueBindingTicket } from '../wechat-binding/binding-ticket.js';
import { createUser, deactivateUser, getUser, listUsers } from './users.js';

const createUserBody = z.strictObject({ name: z.string().trim().min(1).max(100), role: roleSchema });
const listUsersQuery = z.strictObject({ role: roleSchema.optional(), active: booleanQuery.optional() });

export function usersRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/me', async (req, res) => {
    res.json(await getUser(ctx, actorOf(req).id));
  });

  /** The mini program passes this ticket to the cloud function's bindCrmUser. */
  router.post('/me/wechat-binding-ticket', (req, res) => {
    res.status(201).json(issueBindingTicket(ctx, actorOf(req)));
  });

  router.post('/users', async (req, res) => {
    requireRole(actorOf(req), ['admin'], 'create users');
    const body = parseRequest(createUserBody, req.body, 'body');
    res.status(201).json(await createUser(ctx, body));
  });

  router.get('/users', async (req, res) => {
    requireRole(actorOf(req), ['admin', 'manager'], 'list users');
    const query = parseRequest(listUsersQuery, req.query, 'query');
    res.json({ items: await listUsers(ctx, query) });
  });

  router.get('/users/:id', async (req, res) => {
    const actor = actorOf(req);
    const { id } = parseRequest(idParams, req.params, 'params');
    if (actor.id !== id) requireRole(actor, ['admin', 'manager'], 'read other users');
    res.json(await getUser(ctx, id));
  });

  router.post('/users/:id/deactivate', async (req, res) => {
    const actor = actorOf(req);
    requireRole(actor, ['admin'], 'deactivate users');
    const { id } = parseRequest(idParams, req.params, 'params');
    if (id === actor.id) {
      throw new ApiError({ code: 'FORBIDDEN', message: 'You cannot deactivate yourself; ask another admin' });
    }
    res.json(await deactivateUser(ctx, id));
  });

  return router;
}
