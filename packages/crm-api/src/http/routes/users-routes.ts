import type { IRouter } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { issueBindingTicket } from '../../domain/binding-ticket.js';
import { getReachability, reachabilityOfUsers, type Reachability } from '../../domain/reachability.js';
import { createUser, deactivateUser, getUser, listUsers, setWecomUserId, setWecomUserIdByMobile, USER_NAME_MAX } from '../../domain/users.js';
import type { RouteRegistry } from '../route-registry.js';
import { bindingTicketSchema, booleanQuery, idParams, reachabilitySchema, roleSchema, singleLineText, userViewSchema } from '../schemas.js';

const createUserBody = z.strictObject({ name: singleLineText(USER_NAME_MAX), role: roleSchema });
const listUsersQuery = z.strictObject({ role: roleSchema.optional(), active: booleanQuery.optional() });
const noBody = z.strictObject({});
const updateUserBody = z.union([
  z.strictObject({
    wecomUserId: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .nullable()
      .describe('their WeCom userid (the 账号 in the WeCom admin console, 通讯录): 1 to 64 letters, digits, _ - . @; null clears it'),
  }),
  z.strictObject({
    wecomMobile: z
      .string()
      .trim()
      .regex(/^\+?\d{5,20}$/, 'a mobile number, digits only (e.g. 13800000000)')
      .describe('or their mobile: WeCom is asked whose it is (the application needs that permission)'),
  }),
]);

export function usersRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {

  registry.route(router, {
    method: 'get',
    path: '/api/me',
    operationId: 'getMe',
    summary: 'The signed-in user',
    tag: 'Users',
    response: userViewSchema,
    handler: ({ actor }) => getUser(ctx, actor, actor.id),
  });

  registry.route(router, {
    method: 'post',
    path: '/api/me/wechat-binding-ticket',
    operationId: 'createWechatBindingTicket',
    summary: "A short-lived ticket the mini program passes to the cloud function's bindCrmUser",
    tag: 'Users',
    body: noBody,
    status: 201,
    response: bindingTicketSchema,
    errors: [{ status: 503, description: 'BINDING_NOT_CONFIGURED: LEADNOTIFY_SHARED_SECRET is not set' }],
    handler: ({ actor }) => issueBindingTicket(ctx, actor.id),
  });

  registry.route(router, {
    method: 'post',
    path: '/api/users',
    operationId: 'createUser',
    summary: 'Create a user (admin)',
    tag: 'Users',
    body: createUserBody,
    status: 201,
    response: userViewSchema,
    handler: ({ actor, body }) => createUser(ctx, actor, body),
  });

  registry.route(router, {
    method: 'get',
    path: '/api/users',
    operationId: 'listUsers',
    summary: 'List users with their reachability (admin, manager)',
    tag: 'Users',
    query: listUsersQuery,
    response: z.object({ items: z.array(userViewSchema.extend({ reachability: reachabilitySchema })) }),
    handler: async ({ actor, query }) => {
      const users = await listUsers(ctx, actor, query);
      const reachability = await reachabilityOfUsers(ctx, users.map((user) => user.id));
      return { items: users.map((user) => ({ ...user, reachability: reachability.get(user.id) as Reachability })) };
    },
  });

  registry.route(router, {
    method: 'get',
    path: '/api/users/:id/reachability',
    operationId: 'getReachability',
    summary: 'Whether a lead would reach this salesperson: bound, acceptances in stock, turned off, last delivered and skipped (manager, admin, or the user)',
    tag: 'Users',
    params: idParams,
    response: reachabilitySchema,
    errors: [{ status: 404, description: 'USER_NOT_FOUND' }],
    handler: ({ actor, params }) => getReachability(ctx, actor, params.id),
  });

  registry.route(router, {
    method: 'get',
    path: '/api/users/:id',
    operationId: 'getUser',
    summary: 'One user (admin, manager, or the user themselves)',
    tag: 'Users',
    params: idParams,
    response: userViewSchema,
    errors: [{ status: 404, description: 'USER_NOT_FOUND' }],
    handler: ({ actor, params }) => getUser(ctx, actor, params.id),
  });

  registry.route(router, {
    method: 'patch',
    path: '/api/users/:id',
    operationId: 'updateUser',
    summary: "Set a user's WeCom userid (admin): the second channel reaches them there",
    tag: 'Users',
    params: idParams,
    body: updateUserBody,
    response: userViewSchema,
    errors: [
      { status: 404, description: 'USER_NOT_FOUND' },
      { status: 409, description: 'WECOM_USER_ID_TAKEN: another CRM user has that WeCom userid' },
      { status: 404, description: 'WECOM_USER_NOT_FOUND: nobody in the WeCom organisation has that mobile' },
      { status: 502, description: 'WECHAT_REFUSED: WeCom refused the lookup (e.g. 48002: the application lacks the permission); the message says what to change' },
      { status: 503, description: 'WECOM_NOT_CONFIGURED' },
    ],
    handler: ({ actor, params, body }) =>
      'wecomMobile' in body ? setWecomUserIdByMobile(ctx, actor, params.id, body.wecomMobile) : setWecomUserId(ctx, actor, params.id, body.wecomUserId),
  });

  registry.route(router, {
    method: 'post',
    path: '/api/users/:id/deactivate',
    operationId: 'deactivateUser',
    summary: 'Deactivate a user (admin): they can no longer sign in or receive customers',
    tag: 'Users',
    params: idParams,
    body: noBody,
    response: userViewSchema,
    errors: [{ status: 404, description: 'USER_NOT_FOUND' }],
    handler: ({ actor, params }) => deactivateUser(ctx, actor, params.id),
  });

}
