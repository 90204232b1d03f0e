import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, snapshot, type TestApp, type TestUser } from '../helpers/test-app.js';
import { testEngines } from '../helpers/test-database.js';

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

/**
 * Strings PostgreSQL or WeChat choke on: NUL and other control characters, zero-width and direction overrides,
 * lone surrogates, and ordinary text around them.
 */
const hostileChar = fc.constantFrom('\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\u200b', '\u200e', '\u202e', '\u2066', '\ufeff', '\ud800', '\udfff', '\n', '\t', '张', 'a', ' ');
const hostileString = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 20 }), fc.array(hostileChar, { maxLength: 12 }).map((chars) => chars.join('')));

/** Hostile values: junk JSON, plausible shapes with wrong types, huge and odd strings. */
const jsonValue = fc.oneof(
  fc.jsonValue(),
  fc.record({ name: hostileString, phone: hostileString, company: hostileString, note: hostileString, assigneeId: hostileString, role: fc.constant('sales') }, { requiredKeys: [] }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 2 }),
  fc.record({ assigneeId: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), note: fc.oneof(fc.string({ maxLength: 600 }), fc.integer()) }, { requiredKeys: [] }),
  fc.record({ customerIds: fc.oneof(fc.array(fc.string(), { maxLength: 5 }), fc.string(), fc.constant([])), assigneeId: fc.string() }, { requiredKeys: [] }),
  fc.record({ name: fc.oneof(fc.string(), fc.integer()), role: fc.string(), status: fc.string(), version: fc.oneof(fc.integer(), fc.string()) }, { requiredKeys: [] }),
);
const rawBody = fc.oneof(
  jsonValue.map((value) => ({ text: JSON.stringify(value) ?? 'null', type: 'application/json', encoding: undefined as string | undefined })),
  fc.string().map((text) => ({ text, type: 'application/json', encoding: undefined as string | undefined })),
  fc.string().map((text) => ({ text, type: 'text/plain', encoding: undefined as string | undefined })),
  fc.tuple(jsonValue, fc.constantFrom('gzip', 'br', 'deflate', 'x-unknown')).map(([value, encoding]) => ({ text: JSON.stringify(value) ?? 'null', type: 'application/json', encoding })),
  fc.tuple(jsonValue, fc.constantFrom('application/json; charset=latin1', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded')).map(([value, type]) => ({
    text: JSON.stringify(value) ?? 'null',
    type,
    encoding: undefined as string | undefined,
  })),
);
/** A cursor in the API's own format (base64url JSON) carrying hostile text, and plain junk. */
const cursor = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.tuple(hostileString, hostileString).map((parts) => Buffer.from(JSON.stringify(parts)).toString('base64url')),
);
const idLike = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80 }).filter((text) => urlSafe(text)),
  hostileString.filter((text) => text.length > 0 && urlSafe(text)),
  fc.constantFrom('existing-customer', 'existing-user', '%00', '..', 'a'.repeat(65)),
);
/** A URL can carry only well-formed text (lone surrogates go in the body, and as raw escapes below). */
const urlSafe = (text: string) => {
  try {
    encodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
};

/** Used verbatim in the path: malformed %-escapes and encoded NULs. */
const rawPathId = fc.constantFrom('%', '%E0%A4%A', 'abc%zz', '%00', '%C0%80', '%ED%A0%80', '%E2%80%AE');
const query = fc.dictionary(
  fc.constantFrom('limit', 'cursor', 'inPool', 'status', 'ownerId', 'role', 'active', 'customerId', 'x'),
  fc.oneof(fc.string({ maxLength: 40 }), hostileString.filter(urlSafe), cursor),
  { maxKeys: 3 },
);

describe.each(testEngines())('property (%s): hostile requests against every route', (engine) => {
  let t: TestApp;
  let manager: TestUser;
  let sales: TestUser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp(engine, { BODY_LIMIT: '10kb', LEADNOTIFY_SHARED_SECRET: 'property-test-shared-secret-0123456789' });
    manager = await t.user('manager');
    sales = await t.user('sales');
    ids['existing-customer'] = (await t.customer()).id;
    ids['existing-user'] = sales.id;
  });
  afterAll(() => t.close());

  it.each(ROUTES)('%s %s never answers 5xx, and a 4xx changes nothing', async (method, route) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(idLike.map((id) => encodeURIComponent(ids[id] ?? id)), rawPathId), rawBody, query, fc.constantFrom(manager, sales), async (id, body, params, who) => {
        const path = route.replace(':id', id);
        const before = await snapshot(t);
        let request = t.http()[method](path).query(params).set('authorization', `Bearer ${who.token}`);
        if (method !== 'get') request = request.set('content-type', body.type).send(body.text);
        if (method !== 'get' && body.encoding) request = request.set('content-encoding', body.encoding);
        const res = await request;

        expect(res.status, `${method} ${path} ${body.text}`).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body.error?.code ?? res.body.code, `${method} ${path}`).toBeDefined();
          expect(await snapshot(t)).toEqual(before);
        }
      }),
      { numRuns: engine === 'postgres' ? 30 : 40 },
    );
  }, 90_000);
});
