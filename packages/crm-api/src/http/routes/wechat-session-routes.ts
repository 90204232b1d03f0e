import type { IRouter } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { endWechatSessions, exchangeSessionVouch, type WechatSession } from '../../domain/wechat-sessions.js';
import type { RouteRegistry } from '../route-registry.js';
import { roleSchema } from '../schemas.js';

const wechatSessionSchema = z
  .object({
    token: z.string().describe('send as "Authorization: Bearer <token>"'),
    expiresAt: z.string(),
    user: z.object({ id: z.string(), name: z.string(), role: roleSchema }),
  })
  .meta({ id: 'WechatSession' }) satisfies z.ZodType<WechatSession>;

/** The mini program signs in with the WeChat its user bound, before it holds any token: the vouch is the credential. */
export function wechatSessionRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {
  registry.route(router, {
    method: 'post',
    path: '/api/wechat-session',
    operationId: 'exchangeWechatSessionVouch',
    summary:
      "Exchange the cloud function's vouchCrmSession vouch, once, for a short-lived token of the CRM user the caller's WeChat is bound to (WECHAT_SESSION_TTL_SECONDS)",
    tag: 'Users',
    authenticated: false,
    body: z.strictObject({ vouch: z.string().trim().min(1).max(2048) }),
    response: wechatSessionSchema,
    errors: [
      {
        status: 401,
        description:
          'UNAUTHENTICATED; details.reason: malformed, forged (not signed with the shared secret), expired, replayed (already exchanged), unknown_user, user_deactivated, binding_released (an admin released the binding)',
      },
      { status: 503, description: 'BINDING_NOT_CONFIGURED: LEADNOTIFY_SHARED_SECRET is not set' },
    ],
    handler: ({ body }) => exchangeSessionVouch(ctx, body.vouch),
  });
}

/** Signed in: the mini program ends its user's WeChat sessions (it unbound, or moved the WeChat to another account). */
export function wechatSessionEndRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {
  registry.route(router, {
    method: 'post',
    path: '/api/wechat-session/end',
    operationId: 'endWechatSessions',
    summary: "End every mini-program session of mine (the kit calls it when the WeChat is unbound from me); API tokens made by the CLI stay",
    tag: 'Users',
    body: z.strictObject({}),
    response: z.object({ ended: z.number().int().describe('how many session tokens were revoked') }),
    handler: async ({ actor }) => ({ ended: await endWechatSessions(ctx.db.kysely, actor.id, new Date(ctx.clock.now())) }),
  });
}
