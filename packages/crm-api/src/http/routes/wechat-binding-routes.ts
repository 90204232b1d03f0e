import type { IRouter, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { BINDING_CODES_PER_USER_HOUR, createBindingCode, exchangeBindingScene, INVITE_MAX_DAYS, revokeBindingCodes, type BindingCode } from '../../domain/binding-codes.js';
import { releaseWechatBinding, type ReleasedBinding } from '../../domain/wechat-binding.js';
import type { RouteRegistry } from '../route-registry.js';
import { bindingTicketSchema, idParams, wholeNumberQuery } from '../schemas.js';

const pngSchema = z.custom<BindingCode>().meta({ type: 'string', format: 'binary', description: 'the mini-program code, a PNG image' });
const sceneSchema = z.strictObject({ scene: z.string().trim().min(1).max(32) });

const CODE_ERRORS = [
  { status: 403, description: 'FORBIDDEN: a manager makes codes for salespeople only; a sales user for themselves only' },
  { status: 404, description: 'USER_NOT_FOUND' },
  { status: 429, description: `TOO_MANY_BINDING_CODES: at most ${BINDING_CODES_PER_USER_HOUR} codes an hour for one user` },
  { status: 422, description: 'USER_INACTIVE: a deactivated user is not bound' },
  { status: 502, description: 'WECHAT_REFUSED: WeChat refused to make the code; the message says why and what to change (e.g. 41030: publish the bind page or set WECHAT_QR_CHECK_PATH=false)' },
  { status: 503, description: 'BINDING_NOT_CONFIGURED or WECHAT_NOT_CONFIGURED' },
];

/** The PNG itself, with the scene's expiry in a header (the body is the image). */
function sendPng(res: Response, status: number, code: BindingCode): void {
  res.status(status).type('png').set('cache-control', 'no-store').set('x-binding-code-expires-at', code.expiresAt).send(code.png);
}

/** Binding codes for the signed-in user, or (managers) for a salesperson. */
export function wechatBindingRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {
  registry.route(
    router,
    {
      method: 'get',
      path: '/api/me/wechat-binding-qr',
      operationId: 'getMyWechatBindingCode',
      summary: 'A mini-program code (PNG) that binds my WeChat when scanned: it opens the kit\'s bind page with a single-use, expiring scene',
      tag: 'Users',
      contentType: 'image/png',
      response: pngSchema,
      errors: CODE_ERRORS,
      handler: ({ actor }) => createBindingCode(ctx, actor, actor.id),
    },
    sendPng,
  );
  registry.route(
    router,
    {
      method: 'get',
      path: '/api/users/:id/wechat-binding-qr',
      operationId: 'getWechatBindingCode',
      summary: "A salesperson's binding code, to show (manager, admin; or the user themselves), or an invite to print or send",
      description: `Without validDays the code lives BINDING_SCENE_TTL_SECONDS (15 minutes by default): for scanning now. With validDays (1 to ${INVITE_MAX_DAYS}) it is an invite for someone else, single-use all the same, ended sooner by POST /api/users/:id/wechat-binding/codes/revoke.`,
      tag: 'Users',
      params: idParams,
      query: z.strictObject({ validDays: wholeNumberQuery(1, INVITE_MAX_DAYS).optional().describe(`an invite: valid this many days (1 to ${INVITE_MAX_DAYS})`) }),
      contentType: 'image/png',
      response: pngSchema,
      errors: CODE_ERRORS,
      handler: ({ actor, params, query }) => createBindingCode(ctx, actor, params.id, { validDays: query.validDays }),
    },
    sendPng,
  );
  registry.route(router, {
    method: 'post',
    path: '/api/users/:id/wechat-binding/codes/revoke',
    operationId: 'revokeWechatBindingCodes',
    summary: "End a user's unused binding codes and invites now (manager for a salesperson, admin): a lost print, an invite sent to the wrong person",
    tag: 'Users',
    params: idParams,
    body: z.strictObject({}),
    response: z.object({ userId: z.string(), revoked: z.number().int().describe('codes that were still usable') }),
    errors: [
      { status: 403, description: 'FORBIDDEN' },
      { status: 404, description: 'USER_NOT_FOUND' },
    ],
    handler: ({ actor, params }) => revokeBindingCodes(ctx, actor, params.id),
  });
  registry.route(router, {
    method: 'post',
    path: '/api/users/:id/wechat-binding/release',
    operationId: 'releaseWechatBinding',
    summary: "Unbind a user's WeChat from the CRM (admin): for a salesperson who left, who cannot unbind from their phone",
    tag: 'Users',
    params: idParams,
    body: z.strictObject({}),
    response: z.object({ userId: z.string(), released: z.boolean().describe('false when no WeChat user was bound to them any more') }) satisfies z.ZodType<ReleasedBinding>,
    errors: [
      { status: 404, description: 'USER_NOT_FOUND' },
      { status: 502, description: 'WECHAT_REFUSED: the cloud function refused; the message says why' },
      { status: 503, description: 'WECHAT_NOT_CONFIGURED' },
    ],
    handler: ({ actor, params }) => releaseWechatBinding(ctx, actor, params.id),
  });
}

/** The kit's bind page, before anyone is signed in: the scanned scene is the credential. */
export function bindingSceneRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {
  registry.route(router, {
    method: 'post',
    path: '/api/wechat-binding/scene/exchange',
    operationId: 'exchangeWechatBindingScene',
    summary: "Exchange a scanned binding code's scene, once, for the binding ticket bindCrmUser takes",
    tag: 'Users',
    authenticated: false,
    body: sceneSchema,
    response: bindingTicketSchema,
    errors: [
      { status: 404, description: 'SCENE_INVALID: not a code the CRM issued' },
      { status: 409, description: 'SCENE_USED: already exchanged' },
      { status: 410, description: 'SCENE_EXPIRED' },
      { status: 422, description: 'USER_INACTIVE: the code was made for a user since deactivated' },
      { status: 503, description: 'BINDING_NOT_CONFIGURED' },
    ],
    handler: ({ body }) => exchangeBindingScene(ctx, body.scene),
  });
}
