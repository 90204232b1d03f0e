import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, snapshot, type TestApp, type TestUser } from '../helpers/test-app.js';

/** Every route of the API, with a placeholder where an id goes. */
const ROUTES: Array<[method: 'get' | 'post' | 'patch', path: string]> = [
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['get', '/api/me'],
  ['post', '/api/me/wechat-binding-ticket'],
  ['post', '/api/users'],
  ['get', '/api/users'],
  ['get', '/api/users/:id'],
  ['post', '/api/users/:id/deactivate'],
  ['post', '/api/customers'],
  ['get', '/api/customers'],
  ['get', '/api/customers/:id'],
  ['patch', '/api/customers/:id'],
  ['get', '/api/customers/:id/assignments'],
  ['post', '/api/customers/:id/assign'],
  ['post', '/api/miniprogram/customers/:id/assign'],
  ['post', '/api/customers/batch-assign'],
  ['post', '/api/pool/customers/:id/assign'],
  ['post', '/api/customers/:id/release'],
  ['get', '/api/notifications'],
  ['get', '/api/notifications/:id'],
  ['post', '/api/notifications/:id/retry'],
];

/** Hostile values: junk JSON, plausible shapes with wrong types, huge and odd strings. */
const jsonValue = fc.oneof(
  fc.jsonValue(),
  fc.record({ assigneeId: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), note: fc.oneof(fc.string({ maxLength: 600 }), fc.integer()) }, { requiredKeys: [] }),
  fc.record({ customerIds: fc.oneof(fc.array(fc.string(), { maxLength: 5 }), fc.string(), fc.constant([])), assigneeId: fc.string() }, { requiredKeys: [] }),
  fc.record({ name: fc.oneof(fc.string(), fc.integer()), role: fc.string(), status: fc.string(), version: fc.oneof(fc.integer(), fc.string()) }, { requiredKeys: [] }),
);
const rawBody = fc.oneof(
  jsonValue.map((value) => ({ text: JSON.stringify(value) ?? 'null', type: 'application/json' })),
  fc.string().map((text) => ({ text, type: 'application/json' })),
  fc.string().map((text) => ({ text, type: 'text/plain' })),
);
const idLike = fc.oneof(fc.string({ minLength: 1, maxLength: 80 }), fc.constantFrom('existing-customer', 'existing-user', '%00', '..', 'a'.repeat(65)));
const query = fc.dictionary(fc.constantFrom('limit', 'cursor', 'inPool', 'status', 'ownerId', 'role', 'active', 'customerId', 'x'), fc.string({ maxLength: 40 }), { maxKeys: 3 });

describe('property: hostile requests against every route', () => {
  let t: TestApp;
  let manager: TestUser;
  let sales: TestUser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp('sqlite', { BODY_LIMIT: '10kb', LEADNOTIFY_SHARED_SECRET: 'property-test-shared-secret-0123456789' });
    manager = await t.user('manager');
    sales = await t.user('sales');
    ids['existing-customer'] = (await t.customer()).id;
    ids['existing-user'] = sales.id;
  });
  afterAll(() => t.close());

  it.each(ROUTES)('%s %s never answers 5xx, and a 4xx changes nothing', async (method, route) => {
    await fc.assert(
      fc.asyncProperty(idLike, rawBody, query, fc.constantFrom(manager, sales), async (id, body, params, who) => {
        const path = route.replace(':id', encodeURIComponent(ids[id] ?? id));
        const before = await snapshot(t);
        let request = t.http()[method](path).query(params).set('authorization', `Bearer ${who.token}`);
        if (method !== 'get') request = request.set('content-type', body.type).send(body.text);
        const res = await request;

        expect(res.status, `${method} ${path} ${body.text}`).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body.error?.code ?? res.body.code, `${method} ${path}`).toBeDefined();
          expect(await snapshot(t)).toEqual(before);
        }
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});
