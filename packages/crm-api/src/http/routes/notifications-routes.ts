import type { IRouter } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { BULK_RETRY_MAX_ROWS, BULK_RETRYABLE, retryInBulk, type BulkRetryResult } from '../../domain/bulk-retry.js';
import { getNotification, listNotifications, reportSubscriptionAnswer, requeueSkippedOf, retryNotification } from '../../domain/notifications.js';
import { reportSubscriptionSettings } from '../../domain/subscription-settings.js';
import type { RouteRegistry } from '../route-registry.js';
import { idParams, idSchema, notificationDetailSchema, notificationStatusSchema, notificationViewSchema, pageLimitQuery } from '../schemas.js';

const dayOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

const listNotificationsQuery = z.strictObject({
  customerId: idSchema.optional(),
  assigneeId: idSchema.optional(),
  status: notificationStatusSchema.optional(),
  deliveryId: idSchema
    .optional()
    .describe('the message they went out in: the deliveryId of its link (a digest: its first notification\'s id; a message sent again: a new id)'),
  reason: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a reason code such as NOT_BOUND').optional().describe('the reason of the last attempt (NOT_BOUND, NO_SUBSCRIPTION, …)'),
  from: dayOrInstant.optional().describe('created at or after: an ISO instant, or a date (from the start of that Beijing day)'),
  to: dayOrInstant.optional().describe('created before: an ISO instant, or a date (to the end of that Beijing day)'),
  cursor: z.string().max(256).optional().describe('nextCursor of the previous page, with the same filters'),
  limit: pageLimitQuery(200, 50),
});

const bulkRetryBody = z.strictObject({
  status: z.array(z.enum(BULK_RETRYABLE)).min(1).max(2).optional().describe('failed, dead or both (the default)'),
  reason: listNotificationsQuery.shape.reason,
  assigneeId: idSchema.optional().describe('one salesperson'),
  from: listNotificationsQuery.shape.from,
  to: listNotificationsQuery.shape.to,
  dryRun: z.boolean().optional().describe('say how many and which messages would go out, and change nothing'),
});

const bulkRetryResponse = z.object({
  dryRun: z.boolean(),
  messages: z.array(
    z.object({ deliveryId: z.string(), assigneeId: z.string(), status: z.string(), reason: z.string().nullable(), notificationIds: z.array(z.string()) }),
  ),
  notifications: z.number().int(),
}) satisfies z.ZodType<BulkRetryResult>;

export function notificationsRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {

  registry.route(router, {
    method: 'post',
    path: '/api/notifications/bulk-retry',
    operationId: 'retryNotificationsInBulk',
    summary: 'Send failed and dead notifications again by reason, salesperson and time range (manager, admin); dryRun says what would go out',
    description: `After a configuration error is fixed (a wrong template id, an undeployed function) every notification in between failed. Each matching message goes out again whole (a digest with all its rows). At most ${BULK_RETRY_MAX_ROWS} notifications a request: narrow the filter beyond it.`,
    tag: 'Notifications',
    body: bulkRetryBody,
    response: bulkRetryResponse,
    errors: [{ status: 400, description: `BATCH_TOO_LARGE: more than ${BULK_RETRY_MAX_ROWS} notifications match` }],
    handler: ({ actor, body }) => retryInBulk(ctx, actor, { statuses: body.status, reason: body.reason, assigneeId: body.assigneeId, from: body.from, to: body.to, dryRun: body.dryRun }),
  });

  registry.route(router, {
    method: 'get',
    path: '/api/notifications',
    operationId: 'listNotifications',
    summary: 'Notifications, newest first (sales users: their own)',
    tag: 'Notifications',
    query: listNotificationsQuery,
    response: z.object({
      items: z.array(notificationViewSchema),
      nextCursor: z.string().nullable().describe('pass back as cursor for the next page; null on the last'),
      total: z.number().int().describe('how many match the filters, on every page'),
    }),
    handler: ({ actor, query }) => listNotifications(ctx, actor, query),
  });

  registry.route(router, {
    method: 'post',
    path: '/api/me/subscription-answers',
    operationId: 'reportSubscriptionAnswer',
    summary: 'What WeChat answered my subscribe request (the mini-program kit reports it): an accept catches me up',
    description:
      'A hint, counted nowhere: with an accept among the results, what was skipped for me (no acceptance left) in the last NOTIFY_CATCH_UP_DAYS goes out again as one message, and the cloud function asks WeChat, which decides. WeChat may not push an acceptance it made without a dialog ("总是保持以上选择"); this report is then the only word of it.',
    tag: 'Notifications',
    body: z.strictObject({
      results: z
        .record(z.string().trim().min(1).max(128), z.string().max(32))
        .refine((results) => Object.keys(results).length >= 1 && Object.keys(results).length <= 3, 'must name 1 to 3 templates')
        .describe('template id → result, as wx.requestSubscribeMessage answered it (accept, acceptWithAudio, acceptWithAlert, reject, ban, filter)'),
    }),
    response: z.object({ caughtUp: z.number().int().describe('notifications that went back to the queue as one catch-up message') }),
    handler: ({ actor, body }) => reportSubscriptionAnswer(ctx, actor, body.results),
  });

  registry.route(router, {
    method: 'post',
    path: '/api/me/subscription-settings',
    operationId: 'reportSubscriptionSettings',
    summary: "What my phone shows of my subscribe-message settings (the mini-program kit reports wx.getSetting's subscriptionsSetting)",
    description:
      'Only the phone knows them (WeChat pushes neither): `mainSwitch` false = every subscribe message is off, so the next lead cannot reach me by subscription; `always` = the lead templates kept "总是保持以上选择" (itemSettings[templateId] === "accept"). The newest report is kept with its time; the console\'s team page shows it. POST, not PUT: the kit\'s host request function speaks GET and POST only.',
    tag: 'Notifications',
    body: z.strictObject({
      mainSwitch: z.boolean().describe('subscriptionsSetting.mainSwitch'),
      always: z
        .array(z.string().trim().min(1).max(128))
        .max(3)
        .describe('the lead templates (as subscriptionStatus names them) whose itemSettings is "accept"; at most 3'),
    }),
    response: z.object({ mainSwitch: z.boolean(), always: z.array(z.string()), reportedAt: z.string() }),
    handler: ({ actor, body }) => reportSubscriptionSettings(ctx, actor, body),
  });

  registry.route(router, {
    method: 'get',
    path: '/api/notifications/:id',
    operationId: 'getNotification',
    summary: 'One notification with every delivery attempt',
    tag: 'Notifications',
    params: idParams,
    response: notificationDetailSchema,
    errors: [{ status: 404, description: 'NOTIFICATION_NOT_FOUND' }],
    handler: ({ actor, params }) => getNotification(ctx, actor, params.id),
  });

  registry.route(router, {
    method: 'post',
    path: '/api/notifications/:id/retry',
    operationId: 'retryNotification',
    summary: 'Send a failed, dead, skipped or unconfirmed notification again (manager, admin)',
    description:
      'The other notifications of the message it went out in (a digest) are sent again with it. An unconfirmed notification may already have reached the salesperson (WeChat answered ambiguously); retrying it sends it again even so, as a new message.',
    tag: 'Notifications',
    params: idParams,
    body: z.strictObject({}),
    response: notificationDetailSchema,
    errors: [
      { status: 404, description: 'NOTIFICATION_NOT_FOUND' },
      { status: 409, description: 'NOTIFICATION_NOT_RETRYABLE: it is pending, sending or sent' },
    ],
    handler: ({ actor, params }) => retryNotification(ctx, actor, params.id),
  });

  registry.route(router, {
    method: 'post',
    path: '/api/users/:id/notifications/requeue-skipped',
    operationId: 'requeueSkippedNotifications',
    summary: "Send a salesperson's skipped notifications again, e.g. after they bound WeChat or subscribed (manager, admin)",
    tag: 'Notifications',
    params: idParams,
    body: z.strictObject({}),
    response: z.object({ requeuedIds: z.array(z.string()) }),
    errors: [{ status: 404, description: 'USER_NOT_FOUND' }],
    handler: ({ actor, params }) => requeueSkippedOf(ctx, actor, params.id),
  });

}
