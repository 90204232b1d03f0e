import type { IRouter } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { listApiTokens, revokeApiToken, type ApiTokenView } from '../../domain/api-tokens.js';
import type { RouteRegistry } from '../route-registry.js';
import { idParams, idSchema } from '../schemas.js';

const tokenViewSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable().describe('updated at most once a minute'),
  })
  .meta({ id: 'ApiToken', description: 'An API token; the token itself is shown once, at creation, and never stored' }) satisfies z.ZodType<ApiTokenView>;

export function tokensRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {

  registry.route(router, {
    method: 'get',
    path: '/api/tokens',
    operationId: 'listApiTokens',
    summary: 'API tokens, oldest first, optionally of one user (admin)',
    tag: 'Users',
    query: z.strictObject({ userId: idSchema.optional() }),
    response: z.object({ items: z.array(tokenViewSchema) }),
    handler: async ({ actor, query }) => ({ items: await listApiTokens(ctx, actor, query) }),
  });

  registry.route(router, {
    method: 'post',
    path: '/api/tokens/:id/revoke',
    operationId: 'revokeApiToken',
    summary: 'Revoke one API token (admin); it answers 401 "revoked" from then on',
    tag: 'Users',
    params: idParams,
    body: z.strictObject({}),
    response: tokenViewSchema,
    errors: [{ status: 404, description: 'TOKEN_NOT_FOUND' }],
    handler: ({ actor, params }) => revokeApiToken(ctx, actor, params.id),
  });

}
