import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, snapshot, type TestApp, type TestUser } from './helpers/test-app.js';
import { testEngines } from './helpers/test-database.js';

describe.each(testEngines())('bad input on %s', (engine) => {
  let t: TestApp;
  let manager: TestUser;
  let sales: TestUser;
  let customerId: string;

  beforeAll(async () => {
    t = await createTestApp(engine, { BODY_LIMIT: '20kb' });
    manager = await t.user('manager');
    sales = await t.user('sales');
    customerId = (await t.customer()).id;
  });
  afterAll(() => t.close());

  const cases: Array<[string, () => { path: string; body: string | object; contentType?: string }, number, string]> = [
    ['malformed JSON', () => ({ path: `/api/customers/${customerId}/assign`, body: '{"assigneeId": ' }), 400, 'INVALID_JSON'],
    ['a JSON string instead of an object', () => ({ path: `/api/customers/${customerId}/assign`, body: '"x"' }), 400, 'VALIDATION_FAILED'],
    ['a JSON null instead of an object', () => ({ path: `/api/customers/${customerId}/assign`, body: 'null' }), 400, 'VALIDATION_FAILED'],
    ['a JSON array instead of an object', () => ({ path: `/api/customers/${customerId}/assign`, body: '[]' }), 400, 'VALIDATION_FAILED'],
    ['a JSON null where the whole body is optional', () => ({ path: `/api/customers/${customerId}/release`, body: 'null' }), 400, 'VALIDATION_FAILED'],
    ['assigneeId of the wrong type', () => ({ path: `/api/customers/${customerId}/assign`, body: { assigneeId: 42 } }), 400, 'VALIDATION_FAILED'],
    ['a missing assigneeId', () => ({ path: `/api/customers/${customerId}/assign`, body: {} }), 400, 'VALIDATION_FAILED'],
    ['an unknown field', () => ({ path: `/api/customers/${customerId}/assign`, body: { assigneeId: sales.id, ownerId: 'x' } }), 400, 'VALIDATION_FAILED'],
    ['a note over 500 characters', () => ({ path: `/api/customers/${customerId}/assign`, body: { assigneeId: sales.id, note: 'x'.repeat(501) } }), 400, 'VALIDATION_FAILED'],
    ['customerIds that is not an array', () => ({ path: '/api/customers/batch-assign', body: { customerIds: 'a,b', assigneeId: sales.id } }), 400, 'VALIDATION_FAILED'],
    ['a customer with an empty name', () => ({ path: '/api/customers', body: { name: '  ' } }), 400, 'VALIDATION_FAILED'],
    ['a customer with an unknown status', () => ({ path: '/api/customers', body: { name: 'A', status: 'hot' } }), 400, 'VALIDATION_FAILED'],
    ['a customer with a bad phone', () => ({ path: '/api/customers', body: { name: 'A', phone: 'call me' } }), 400, 'VALIDATION_FAILED'],
    ['an oversized body', () => ({ path: '/api/customers', body: { name: 'A', company: 'x'.repeat(30_000) } }), 413, 'PAYLOAD_TOO_LARGE'],
    ['form data instead of JSON', () => ({ path: '/api/customers', body: 'name=A', contentType: 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['JSON sent as text/plain', () => ({ path: '/api/customers', body: '{"name":"A"}', contentType: 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a NUL in a name', () => ({ path: '/api/customers', body: { name: 'A\u0000B' } }), 400, 'VALIDATION_FAILED'],
    ['an escape character in a note', () => ({ path: `/api/customers/${customerId}/assign`, body: { assigneeId: sales.id, note: 'hi\u001b[31m' } }), 400, 'VALIDATION_FAILED'],
    ['a NUL in an object key', () => ({ path: '/api/customers', body: { name: 'A', 'x\u0000': 1 } }), 400, 'VALIDATION_FAILED'],
    ['a lone surrogate in a name', () => ({ path: '/api/customers', body: '{"name":"A\\ud800"}' }), 400, 'VALIDATION_FAILED'],
    ['a right-to-left override in a name', () => ({ path: '/api/customers', body: { name: '\u202eevil' } }), 400, 'VALIDATION_FAILED'],
    ['a zero-width space in a user name', () => ({ path: '/api/users', body: { name: '张\u200b三', role: 'sales' } }), 400, 'VALIDATION_FAILED'],
    ['a line break in a customer name', () => ({ path: '/api/customers', body: { name: 'A\nB' } }), 400, 'VALIDATION_FAILED'],
    ['a line separator (U+2028) in a customer name', () => ({ path: '/api/customers', body: { name: 'A\u2028B' } }), 400, 'VALIDATION_FAILED'],
    ['a paragraph separator (U+2029) in a company', () => ({ path: '/api/customers', body: { name: 'A', company: 'B\u2029C' } }), 400, 'VALIDATION_FAILED'],
    ['a soft hyphen (U+00AD) in a user name', () => ({ path: '/api/users', body: { name: '张\u00ad三', role: 'sales' } }), 400, 'VALIDATION_FAILED'],
    ['an Arabic letter mark (U+061C) in a source', () => ({ path: '/api/customers', body: { name: 'A', source: 'x\u061cy' } }), 400, 'VALIDATION_FAILED'],
  ];

  it.each([
    ['gzip', 'gzip'],
    ['br', 'br'],
  ])('a plain JSON body labelled Content-Encoding: %s → 415, nothing changed', async (_name, encoding) => {
    const before = await snapshot(t);

    const res = await t.http().post('/api/customers').set('authorization', `Bearer ${manager.token}`).set('content-type', 'application/json').set('content-encoding', encoding).send('{"name":"A"}');

    expect([res.status, res.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await snapshot(t)).toEqual(before);
  });

  it.each([['/api/customers/%E0%A4%A'], ['/api/customers/abc%'], ['/api/customers/%zz/assignments']])('a malformed %%-escape in the path %s → 400', async (path) => {
    const res = await t.as(manager).get(path);

    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it.each([
    ['a NUL in a path id', () => `/api/customers/a%00b`],
    ['a NUL in a query value', () => '/api/customers?status=%00'],
    ['a NUL in a cursor', () => `/api/customers?cursor=${encodeURIComponent('\u0000')}`],
    ['a NUL inside a well-formed cursor', () => `/api/customers?cursor=${Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z\u0000', 'x'])).toString('base64url')}`],
    ['a NUL in a notification filter', () => '/api/notifications?customerId=%00'],
  ])('%s → 400, not a database error', async (_name, path) => {
    const res = await t.as(manager).get(path());

    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it.each(cases)('%s → %i %s, nothing changed', async (_name, build, status, code) => {
    const { path, body, contentType } = build();
    const before = await snapshot(t);

    const request = t.http().post(path).set('authorization', `Bearer ${manager.token}`);
    if (typeof body === 'string') request.set('content-type', contentType ?? 'application/json');
    const res = await request.send(body);

    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    expect(await snapshot(t)).toEqual(before);
  });

  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it.each([
    ['an assignment', () => `/api/customers/${customerId}/assign`, true, () => `{"assigneeId":"${sales.id}","note":${nested(10_000)}}`],
    ['the unauthenticated scene exchange', () => '/api/wechat-binding/scene/exchange', false, () => `{"scene":${nested(10_000)}}`],
    ['a mini-program assignment', () => `/api/miniprogram/customers/${customerId}/assign`, true, () => `{"assigneeId":"${sales.id}","note":${nested(10_000)}}`],
  ])('a body nested 10,000 deep (20 KB, under BODY_LIMIT) on %s → 400 naming the depth, not a stack overflow', async (_name, path, signedIn, body) => {
    const before = await snapshot(t);

    const request = t.http().post(path()).set('content-type', 'application/json');
    if (signedIn) request.set('authorization', `Bearer ${manager.token}`);
    const res = await request.send(body());

    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.body.error.details[0].message).toMatch(/nested more than \d+ levels/);
    expect(await snapshot(t)).toEqual(before);
  });

  it('a value nested within the depth limit is still judged by the schema', async () => {
    const res = await t.as(manager).post(`/api/customers/${customerId}/assign`, { assigneeId: sales.id, note: [[['x']]] });

    expect([res.status, res.body.error.details]).toEqual([400, [expect.objectContaining({ path: 'body.note', code: 'invalid_type' })]]);
  });

  it.each([['null'], ['[]'], ['"x"'], ['42']])('a body of valid JSON that is not an object (%s) is told it must be one', async (body) => {
    const res = await t.http().post(`/api/customers/${customerId}/assign`).set('authorization', `Bearer ${manager.token}`).set('content-type', 'application/json').send(body);

    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'body', message: expect.stringMatching(/expected object/) })]);
  });

  it('a sales user posting a null body to the pool is refused, not taken for a claim without one', async () => {
    const pooled = await t.customer();
    const before = await snapshot(t);

    const res = await t.http().post(`/api/pool/customers/${pooled.id}/assign`).set('authorization', `Bearer ${sales.token}`).set('content-type', 'application/json').send('null');

    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await snapshot(t)).toEqual(before);
  });

  it('a refused name character is named in the message', async () => {
    const res = await t.as(manager).post('/api/customers', { name: 'A\u2028B' });

    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'body.name', message: expect.stringContaining('U+2028') })]);
  });

  it('names keep what people type: CJK, emoji with variation selectors and skin tones, flags, spaces inside', async () => {
    const name = '张三 ❤️ 👍🏽 🇨🇳 Zoë';

    const res = await t.as(manager).post('/api/customers', { name });

    expect([res.status, res.body.name]).toEqual([201, name]);
  });

  it('zod issues are listed in details with the path of the bad field', async () => {
    const res = await t.as(manager).post(`/api/customers/${customerId}/assign`, { assigneeId: 42 });

    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'body.assigneeId' })]);
  });

  it.each([
    ['/api/customers?limit=0'],
    ['/api/customers?limit=abc'],
    ['/api/customers?limit=0x10'],
    ['/api/customers?limit=1e1'],
    ['/api/customers?limit=10.0'],
    ['/api/customers?limit=%2010'],
    ['/api/customers?limit='],
    ['/api/notifications?limit=1e1'],
    ['/api/notifications?limit=0b11'],
    ['/api/customers?inPool=maybe'],
    ['/api/customers?status=hot'],
    ['/api/customers?unknown=1'],
    ['/api/customers?cursor=not-a-cursor'],
    ['/api/notifications?status=lost'],
  ])('GET %s → 400', async (path) => {
    const res = await t.as(manager).get(path);

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('a control character in the query string of a route that takes no query is refused, and nothing is created', async () => {
    const before = await snapshot(t);

    const res = await t.http().post('/api/customers?x=%00%1b').set('authorization', `Bearer ${manager.token}`).send({ name: 'ctl-in-query' });

    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'query.x', message: 'must not contain control characters' })]);
    expect(await snapshot(t)).toEqual(before);
  });

  it.each([['/api/me?%00=%00'], ['/api/me?verbose=1'], ['/api/customers/x/assignments?page=2']])(
    'GET %s: a route that takes no query refuses any query parameter, as routes with one refuse unknown ones',
    async (path) => {
      const res = await t.as(manager).get(path);

      expect([res.status, res.body.error.code, res.body.error.details[0].path]).toEqual([400, 'VALIDATION_FAILED', expect.stringMatching(/^query/)]);
    },
  );

  it.each([['/healthz?probe=lb'], ['/readyz?_=1700000000&x=1']])('GET %s: a health check ignores its query (monitors add cache-busting parameters)', async (path) => {
    const res = await t.http().get(path);

    expect([res.status, res.body.status]).toEqual([200, expect.stringMatching(/^(ok|ready)$/)]);
  });

  it('limit takes decimal digits, and defaults to 50 without one', async () => {
    await t.customers(3);

    const two = await t.as(manager).get('/api/customers?limit=2');
    const leadingZero = await t.as(manager).get('/api/customers?limit=02');
    const notifications = await t.as(manager).get('/api/notifications?limit=200');

    expect([two.status, two.body.items.length, leadingZero.body.items.length, notifications.status]).toEqual([200, 2, 2, 200]);
  });

  it('an unknown route answers a JSON 404', async () => {
    const res = await t.as(manager).get('/api/nothing-here');

    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ROUTE_NOT_FOUND');
  });
});
