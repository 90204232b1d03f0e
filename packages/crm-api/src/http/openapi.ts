import { z } from 'zod';
import { API_ERROR_CODES } from './api-error.js';
import type { AnyRouteSpec } from './route-registry.js';

type JsonSchema = Record<string, unknown>;

const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(API_ERROR_CODES),
      message: z.string(),
      details: z.unknown().optional().describe('zod issues for VALIDATION_FAILED, ids for CUSTOMER_NOT_FOUND, limits for 422s'),
    }),
  })
  .meta({ id: 'Error' });

/**
 * Builds the OpenAPI 3.1 document from the registered routes: parameters, bodies and responses come
 * from the zod schemas the routes validate with (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
 */
export function buildOpenApiDocument(specs: AnyRouteSpec[], info: { title: string; version: string; description: string }) {
  const components: Record<string, JsonSchema> = {};
  const convert = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const converted = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
    const { $defs, $schema: _dialect, ...rest } = converted as JsonSchema & { $defs?: Record<string, JsonSchema> };
    for (const [name, definition] of Object.entries($defs ?? {})) components[name] = relink(definition);
    return relink(rest);
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...objectParameters(spec.params && convert(spec.params, 'input'), 'path'),
      ...objectParameters(spec.query && convert(spec.query, 'input'), 'query'),
    ];
    const errors = [
      { status: 400, description: 'VALIDATION_FAILED or INVALID_JSON' },
      ...(spec.authenticated === false ? [] : [
        { status: 401, description: 'UNAUTHENTICATED' },
        { status: 403, description: 'FORBIDDEN: the role may not do this' },
      ]),
      ...(spec.errors ?? []),
    ];
    const errorResponses: Record<string, unknown> = {};
    for (const error of errors) {
      const key = String(error.status);
      const previous = (errorResponses[key] as { description?: string } | undefined)?.description;
      errorResponses[key] = {
        description: previous ? `${previous}; ${error.description}` : error.description,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[path] = {
      ...paths[path],
      [spec.method]: {
        operationId: spec.operationId,
        summary: spec.summary,
        ...(spec.description ? { description: spec.description } : {}),
        tags: [spec.tag],
        ...(spec.authenticated === false ? { security: [] } : {}),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: convert(spec.body, 'input') } } } } : {}),
        responses: {
          [String(spec.status ?? 200)]: { description: 'Success', content: { 'application/json': { schema: convert(spec.response, 'output') } } },
          ...errorResponses,
        },
      },
    };
  }
  components.Error = convert(errorSchema, 'output');

  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token from `pnpm cli token:create`' } },
      schemas: components,
    },
  };
}

/** zod names reused schemas under $defs; OpenAPI keeps them under components. */
function relink(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
}

function objectParameters(schema: JsonSchema | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema: property,
  }));
}
