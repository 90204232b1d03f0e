import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from './helpers/test-app.js';

type Json = Record<string, any>;

/**
 * Checks a real response against what /openapi.json promises for that operation and status, with a JSON-Schema
 * 2020-12 validator (the dialect OpenAPI 3.1 uses): the document's components resolve every $ref.
 */
function specChecker(document: Json) {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  return (method: string, path: string, res: Response) => {
    const operation = document.paths[path]?.[method];
    expect(operation, `${method} ${path} is documented`).toBeDefined();
    const response = operation.responses[String(res.status)];
    expect(response, `${method} ${path} documents status ${res.status}: ${JSON.stringify(res.body)}`).toBeDefined();
    const schema = response.content['application/json'].schema;
    const validate = ajv.compile({ ...schema, components: document.components });
    const valid = validate(res.body);
    expect(valid ? [] : validate.errors, `${method} ${path} ${res.status} ${JSON.stringify(res.body)}`).toEqual([]);
  };
}

describe('responses match /openapi.json', () => {
  let t: TestApp;
  let admin: TestUser;
  let manager: TestUser;
  let sales: TestUser;
  let document: Json;
  let check: ReturnType<typeof specChecker>;

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    admin = await t.user('admin');
    manager = await t.user('manager');
    sales = await t.user('sales');
    document = (await t.http().get('/openapi.json')).body;
    check = specChecker(document);
  });
  afterAll(() => t.close());

  it('the Error schemas are real schemas, not a $ref to themselves', () => {
    expect(document.components.schemas.Error.$ref).toBeUndefined();
    expect(document.components.schemas.Error.properties.error.properties.code.enum).toContain('VALIDATION_FAILED');
    expect(document.components.schemas.MiniprogramError.properties.data).toEqual({ type: 'null' });
  });

  it('a validator catches a response that breaks the Error schema (the check can fail)', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const validate = ajv.compile({ $ref: '#/components/schemas/Error', components: document.components });

    expect(validate({ error: { code: 'NOT_A_CODE', message: 'x' } })).toBe(false);
    expect(validate({ error: { code: 'VALIDATION_FAILED', message: 'x' } })).toBe(true);
  });

  it('success responses of the customer, user, assignment and notification routes', async () => {
    const created = await t.as(manager).post('/api/customers', { name: '客户甲', phone: '+86 138 0000 0000' });
    check('post', '/api/customers', created);
    check('get', '/api/customers', await t.as(manager).get('/api/customers?limit=5'));
    check('get', '/api/customers/{id}', await t.as(manager).get(`/api/customers/${created.body.id}`));
    check('patch', '/api/customers/{id}', await t.as(manager).patch(`/api/customers/${created.body.id}`, { status: 'contacted' }));
    const assigned = await t.as(manager).post(`/api/customers/${created.body.id}/assign`, { assigneeId: sales.id, note: '重点' });
    check('post', '/api/customers/{id}/assign', assigned);
    check('get', '/api/customers/{id}/assignments', await t.as(manager).get(`/api/customers/${created.body.id}/assignments`));
    check('post', '/api/customers/{id}/release', await t.as(manager).post(`/api/customers/${created.body.id}/release`, {}));
    check('post', '/api/pool/customers/{id}/assign', await t.as(sales).post(`/api/pool/customers/${created.body.id}/assign`, {}));
    const other = await t.customer();
    check('post', '/api/customers/batch-assign', await t.as(manager).post('/api/customers/batch-assign', { customerIds: [other.id], assigneeId: sales.id }));
    check('post', '/api/miniprogram/customers/{id}/assign', await t.as(manager).post(`/api/miniprogram/customers/${(await t.customer()).id}/assign`, { assigneeId: sales.id }));
    check('get', '/api/notifications', await t.as(manager).get('/api/notifications'));
    check('get', '/api/notifications/{id}', await t.as(manager).get(`/api/notifications/${assigned.body.notification.id}`));
    check('get', '/api/me', await t.as(sales).get('/api/me'));
    check('get', '/api/users', await t.as(admin).get('/api/users'));
    check('post', '/api/users', await t.as(admin).post('/api/users', { name: '新人', role: 'sales' }));
    check('get', '/healthz', await t.http().get('/healthz'));
    check('get', '/readyz', await t.http().get('/readyz'));
  });

  it('error responses, in both envelopes', async () => {
    const customer = await t.customer();
    check('get', '/api/customers/{id}', await t.as(manager).get('/api/customers/missing'));
    check('post', '/api/customers', await t.as(manager).post('/api/customers', { name: '' }));
    check('post', '/api/customers', await t.http().post('/api/customers').set('authorization', `Bearer ${manager.token}`).set('content-type', 'text/plain').send('{}'));
    check('get', '/api/customers', await t.http().get('/api/customers'));
    check('post', '/api/users', await t.as(manager).post('/api/users', { name: 'x', role: 'sales' }));
    check('post', '/api/customers/{id}/assign', await t.as(manager).post(`/api/customers/${customer.id}/assign`, { assigneeId: manager.id }));
    check('post', '/api/customers/{id}/release', await t.as(manager).post(`/api/customers/${customer.id}/release`, {}));

    const mp = '/api/miniprogram/customers/{id}/assign';
    const notFound = await t.as(manager).post(`/api/miniprogram/customers/missing/assign`, { assigneeId: sales.id });
    const notSales = await t.as(manager).post(`/api/miniprogram/customers/${customer.id}/assign`, { assigneeId: admin.id });
    const invalid = await t.as(manager).post(`/api/miniprogram/customers/${customer.id}/assign`, {});
    const unauthenticated = await t.http().post(`/api/miniprogram/customers/${customer.id}/assign`).send({ assigneeId: sales.id });
    for (const res of [notFound, notSales, invalid, unauthenticated]) check('post', mp, res);
    expect([notFound.status, notSales.status, invalid.status, unauthenticated.status]).toEqual([404, 422, 400, 401]);
    expect(notSales.body).toMatchObject({ code: 422, data: null, error: { code: 'NOT_A_SALES_USER' } });
  });
});
