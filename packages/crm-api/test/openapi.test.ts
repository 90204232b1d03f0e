import { Validator } from '@seriousme/openapi-schema-validator';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/** Every method + path express serves, read from the app's router. */
function servedRoutes(app: Express): string[] {
  const routes: string[] = [];
  const walk = (stack: Array<{ route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }>) => {
    for (const layer of stack) {
      if (layer.route) for (const method of Object.keys(layer.route.methods)) routes.push(`${method} ${layer.route.path}`);
      else if (layer.handle?.stack) walk(layer.handle.stack as typeof stack);
    }
  };
  walk((app as unknown as { router: { stack: [] } }).router.stack);
  return routes;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let document: Record<string, any>;

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    document = (await t.http().get('/openapi.json')).body;
  });
  afterAll(() => t.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);

    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('lists every API route the app serves, and nothing it does not', () => {
    // /wechat/push is WeChat's, in WeChat's format (docs/operations.md), not part of the API; nor is the console's page.
    const served = servedRoutes(t.app).filter((route) => !/ \/(openapi\.json|docs|metrics|wechat\/push|console$|console\/assets\/)/.test(route));
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );

    expect(served.length).toBeGreaterThanOrEqual(20);
    expect(documented.sort()).toEqual(served.sort());
  });

  it("documents the HTTP server's own answers (408, 431) on every operation, in the plain Error envelope", () => {
    const operations = Object.values(document.paths as Record<string, Record<string, any>>).flatMap((byMethod) => Object.values(byMethod));

    for (const operation of operations) {
      for (const status of ['408', '431']) expect(operation.responses[status].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    }
    expect(document.components.schemas.Error.properties.error.properties.code.enum).toEqual(expect.arrayContaining(['REQUEST_TIMEOUT', 'HEADERS_TOO_LARGE', 'MALFORMED_REQUEST']));
  });

  it('describes limit as the integer the routes accept', () => {
    for (const path of ['/api/customers', '/api/notifications']) {
      const limit = document.paths[path].get.parameters.find((parameter: { name: string }) => parameter.name === 'limit');
      expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } });
    }
  });

  it('marks a request body required only where the route refuses to go without one', () => {
    const required = (path: string, method = 'post') => document.paths[path][method].requestBody.required;

    // A sales user claims from the pool with no body at all (docs/api.md); releasing needs no note.
    expect(required('/api/pool/customers/{id}/assign')).toBe(false);
    expect(required('/api/customers/{id}/release')).toBe(false);
    expect(required('/api/notifications/{id}/retry')).toBe(false);
    expect(required('/api/customers/{id}/assign')).toBe(true);
    expect(required('/api/customers/{id}', 'patch')).toBe(true);
  });

  it('describes request bodies from the validating zod schemas, including the limits', () => {
    const assign = document.paths['/api/customers/{id}/assign'].post;
    const body = assign.requestBody.content['application/json'].schema;

    expect(body.required).toEqual(['assigneeId']);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.note.maxLength).toBe(500);
    expect(assign.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Assignment');
    expect(document.components.schemas.Customer.properties.ownerId).toBeDefined();
    expect(document.paths['/healthz'].get.security).toEqual([]);
  });

  it('serves a browsable reference at /docs from installed packages', async () => {
    const page = await t.http().get('/docs');
    const bundle = await t.http().get('/docs/assets/swagger-ui-bundle.js');

    expect(page.status).toBe(200);
    expect(page.text).toContain('/docs/assets/swagger-ui-bundle.js');
    expect(page.text).not.toMatch(/https?:\/\//);
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(100_000);
  });
});
