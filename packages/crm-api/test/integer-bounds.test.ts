import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQL_INTEGER_MAX } from '../src/http/schemas.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const engines = ['sqlite', ...(process.env.TEST_DATABASE_URL ? ['postgres' as const] : [])] as const;

/** Every integer schema under a request's parameters and bodies, with where it is. */
function requestIntegers(document: Record<string, any>): Array<{ where: string; schema: Record<string, unknown> }> {
  const found: Array<{ where: string; schema: Record<string, unknown> }> = [];
  const walk = (schema: unknown, where: string): void => {
    if (!schema || typeof schema !== 'object') return;
    const node = schema as Record<string, unknown>;
    if (node.type === 'integer') found.push({ where, schema: node });
    for (const [key, value] of Object.entries(node)) walk(value, `${where}.${key}`);
  };
  for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const parameter of operation.parameters ?? []) walk(parameter.schema, `${method} ${path} ${parameter.in}.${parameter.name}`);
      walk(operation.requestBody?.content?.['application/json']?.schema, `${method} ${path} body`);
    }
  }
  return found;
}

describe('every integer the API accepts fits the 32-bit integer columns of both engines', () => {
  it('the OpenAPI document bounds each request integer within them', async () => {
    const t = await createTestApp('sqlite');
    const document = (await t.http().get('/openapi.json')).body;
    await t.close();

    const integers = requestIntegers(document);
    expect(integers.length).toBeGreaterThan(0);
    expect(integers.filter(({ schema }) => !(typeof schema.maximum === 'number' && schema.maximum <= SQL_INTEGER_MAX)).map(({ where }) => where)).toEqual([]);
  });

  describe.each(engines)('PATCH /api/customers/:id with the largest versions (%s)', (engine) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(engine);
    });
    afterAll(() => t.close());

    it('the largest a column holds is a stale version (409); one more is refused as input (400); neither changes anything', async () => {
      const manager = await t.user('manager');
      const created = await t.as(manager).post('/api/customers', { name: '版本边界' });

      const largest = await t.as(manager).patch(`/api/customers/${created.body.id}`, { status: 'contacted', version: SQL_INTEGER_MAX });
      const beyond = await t.as(manager).patch(`/api/customers/${created.body.id}`, { status: 'contacted', version: SQL_INTEGER_MAX + 1 });

      expect([largest.status, largest.body.error.code]).toEqual([409, expect.any(String)]);
      expect([beyond.status, beyond.body.error.code, beyond.body.error.details[0].path]).toEqual([400, 'VALIDATION_FAILED', 'body.version']);
      expect((await t.as(manager).get(`/api/customers/${created.body.id}`)).body).toMatchObject({ status: 'new', version: 1 });
    });
  });
});
