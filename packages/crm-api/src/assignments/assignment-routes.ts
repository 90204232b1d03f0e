import { Router } from 'express';
import { z } from 'zod';
import { actorOf } from '../auth/actor.js';
import type { AppContext } from '../context.js';
import { idParams, idSchema, noteSchema } from '../http/schemas.js';
import { parseRequest } from '../http/validate.js';
import { assignCustomer, assignFromPool, batchAssignCustomers } from './assignment-operations.js';
import { releaseCustomer } from './release-customer.js';

export const assignBody = z.strictObject({ assigneeId: idSchema, note: noteSchema.optional() });
const batchAssignBody = z.strictObject({
  customerIds: z.array(idSchema).min(1),
  assigneeId: idSchema,
  note: noteSchema.optional(),
});
const poolAssignBody = z.strictObject({ assigneeId: idSchema.optional(), note: noteSchema.optional() });
const releaseBody = z.strictObject({ note: noteSchema.optional() });

export function assignmentRoutes(ctx: AppContext): Router {
  const router = Router();

  router.post('/customers/batch-assign', async (req, res) => {
    const body = parseRequest(batchAssignBody, req.body, 'body');
    res.json(await batchAssignCustomers(ctx, actorOf(req), body));
  });

  router.post('/customers/:id/assign', async (req, res) => {
    const { id } = parseRequest(idParams, req.params, 'params');
    const body = parseRequest(assignBody, req.body, 'body');
    res.json(await assignCustomer(ctx, actorOf(req), { customerId: id, ...body }));
  });

  router.post('/pool/customers/:id/assign', async (req, res) => {
    const { id } = parseRequest(idParams, req.params, 'params');
    const body = parseRequest(poolAssignBody, req.body ?? {}, 'body');
    res.json(await assignFromPool(ctx, actorOf(req), { customerId: id, ...body }));
  });

  router.post('/customers/:id/release', async (req, res) => {
    const { id } = parseRequest(idParams, req.params, 'params');
    const body = parseRequest(releaseBody, req.body ?? {}, 'body');
    res.json({ customer: await releaseCustomer(ctx, actorOf(req), id, body.note) });
  });

  return router;
}
