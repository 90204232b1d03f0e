import { Router } from 'express';
import { z } from 'zod';
import { actorOf } from '../auth/actor.js';
import type { AppContext } from '../context.js';
import { booleanQuery, customerStatusSchema, idParams, idSchema } from '../http/schemas.js';
import { parseRequest } from '../http/validate.js';
import { createCustomer, getCustomer, listAssignmentHistory, listCustomers, updateCustomer } from './customers.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const phone = z.string().trim().regex(/^[0-9+\-() ]{3,32}$/, 'digits, spaces and + - ( ) only, 3 to 32 characters');

const createCustomerBody = z.strictObject({
  name: text(100),
  phone: phone.optional(),
  company: text(200).optional(),
  source: text(100).optional(),
  status: customerStatusSchema.optional(),
});

const updateCustomerBody = z
  .strictObject({
    name: text(100).optional(),
    phone: phone.nullable().optional(),
    company: text(200).nullable().optional(),
    source: text(100).nullable().optional(),
    status: customerStatusSchema.optional(),
    version: z.number().int().positive().optional(),
  })
  .refine((body) => Object.keys(body).some((key) => key !== 'version'), { message: 'Nothing to update' });

const listCustomersQuery = z.strictObject({
  ownerId: idSchema.optional(),
  inPool: booleanQuery.optional(),
  status: customerStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export function customersRoutes(ctx: AppContext): Router {
  const router = Router();

  router.post('/customers', async (req, res) => {
    actorOf(req);
    const body = parseRequest(createCustomerBody, req.body, 'body');
    res.status(201).json(await createCustomer(ctx, body));
  });

  router.get('/customers', async (req, res) => {
    const query = parseRequest(listCustomersQuery, req.query, 'query');
    res.json(await listCustomers(ctx, actorOf(req), query));
  });

  router.get('/customers/:id', async (req, res) => {
    const { id } = parseRequest(idParams, req.params, 'params');
    res.json(await getCustomer(ctx, actorOf(req), id));
  });

  router.patch('/customers/:id', async (req, res) => {
    const { id } = parseRequest(idParams, req.params, 'params');
    const body = parseRequest(updateCustomerBody, req.body, 'body');
    res.json(await updateCustomer(ctx, actorOf(req), id, body));
  });

  router.get('/customers/:id/assignments', async (req, res) => {
    const { id } = parseRequest(idParams, req.params, 'params');
    res.json({ items: await listAssignmentHistory(ctx, actorOf(req), id) });
  });

  return router;
}
