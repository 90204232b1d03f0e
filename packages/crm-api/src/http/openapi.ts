import { z } from 'zod';
import { API_ERROR_CODES } from './api-error.js';
import type { AnyRouteSpec } from './route-registry.js';

type JsonSchema = Record<string, unknown>;

const errorObject = z.object({
  code: z.enum(API_ERROR_CODES),
  message: z.string(),
  details: z.unknown().optional().describe('zod issues for VALIDATION_FAILED, ids for CUSTOMER_NOT_FOUND, limits for 422s'),
});

const errorSchema = z.object({ error: errorObject }).meta({ id: 'Error', description: 'Every error of the API' });

const miniprogramErrorSchema = z
  .object({
    code: z.number().int().min(400).max(599).describe('the HTTP status; 0 only on success'),
    message: z.string(),
    data: z.null(),
    error: errorObject,
  })
  .meta({ id: 'MiniprogramError', description: 'Errors of /api/miniprogram routes: the mini-program envelope plus the usual error object' });

const SERVER_ERRORS = [
  { status: 408, description: 'REQUEST_TIMEOUT: the request did not arrive in full within HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS' },
  { status: 431, description: "HEADERS_TOO_LARGE: the request line and headers are over Node's limit (16 KB by default)" },
];

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
        { status: 429, description: 'TOO_MANY_FAILED_AUTHENTICATIONS: this address failed too often; see Retry-After' },
        { status: 403, description: 'FORBIDDEN: the role may not do this' },
      ]),
      ...(spec.errors ?? []),
    ];
    const errorRef = spec.path.startsWith('/api/miniprogram/') ? '#/components/schemas/MiniprogramError' : '#/components/schemas/Error';
    const errorResponses: Record<string, unknown> = {};
    const bodyErrors = spec.body
      ? [
          { status: 413, description: 'PAYLOAD_TOO_LARGE: over BODY_LIMIT' },
          { status: 415, description: 'UNSUPPORTED_MEDIA_TYPE: the body is not JSON, or is compressed' },
        ]
      : [];
    for (const error of [...errors, ...bodyErrors, { status: 500, description: 'INTERNAL_ERROR: our fault, logged with its cause' }]) {
      const key = String(error.status);
      const previous = (errorResponses[key] as { description?: string } | undefined)?.description;
      errorResponses[key] = {
        description: previous ? `${previous}; ${error.description}` : error.description,
        content: { 'application/json': { schema: { $ref: errorRef } } },
      };
    }
    // Answered by the HTTP server before any route is known (http/answer-client-error.ts): the plain envelope on every path.
    for (const error of SERVER_ERRORS) {
      errorResponses[String(error.status)] = { description: error.description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
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
        ...(spec.body ? { requestBody: { required: bodyRequired(spec.body), content: { 'application/json': { schema: convert(spec.body, 'input') } } } } : {}),
        responses: {
          [String(spec.status ?? 200)]: { description: 'Success', content: { [spec.contentType ?? 'application/json']: { schema: convert(spec.response, 'output') } } },
          ...errorResponses,
        },
      },
    };
  }
  // Converting registers each under its id in components (a top-level $ref to itself is all convert returns).
  convert(errorSchema, 'output');
  convert(miniprogramErrorSchema, 'output');

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

/** The registry reads a request without a body as `{}`, so a body is required exactly when its schema refuses `{}`. */
function bodyRequired(schema: z.ZodType): boolean {
  return !schema.safeParse({}).success;
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
