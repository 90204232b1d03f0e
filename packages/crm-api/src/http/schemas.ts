import { ASSIGNED_VIA } from '@leadnotify/contracts';
import { z } from 'zod';
import type { AssignOutcome } from '../domain/assignments/assign-customers.js';
import type { SingleAssignment } from '../domain/assignments/assignment-operations.js';
import type { BindingTicket } from '../domain/binding-ticket.js';
import { CUSTOMER_STATUSES } from '../domain/customer-statuses.js';
import type { AssignmentView, CustomerView } from '../domain/customers.js';
import { NOTIFICATION_STATUSES, type AttemptView, type NotificationDetail, type NotificationView } from '../domain/notifications.js';
import { forbiddenInName } from '../domain/names.js';
import { EXPECTATIONS, type Reachability } from '../domain/reachability.js';
import { ROLES } from '../domain/roles.js';
import type { UserView } from '../domain/users.js';

/**
 * The API's request and response schemas: they validate requests, describe responses in /openapi.json,
 * and — through `satisfies` — must agree with the domain's types.
 */

/**
 * A one-line name-like text by the domain's name rule (domain/names.ts), so a request is refused for exactly what
 * the domain would refuse, with zod's issues: trimmed, 1 to `max` characters, nothing the rule forbids (the message
 * names the character found).
 */
export const singleLineText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((value, ctx) => {
      const forbidden = forbiddenInName(value);
      if (forbidden !== undefined) ctx.addIssue({ code: 'custom', message: forbidden });
    })
    .describe(
      `trimmed; 1 to ${max} characters after trimming; one line; no control, zero-width, direction or other invisible formatting characters (Unicode Cc, Cf, Zl, Zp) except inside an emoji ZWJ or tag sequence (👨‍👩‍👧‍👦)`,
    );

export const idSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .describe('trimmed; 1 to 64 characters; no control characters');
export const idParams = z.strictObject({ id: idSchema });
export const roleSchema = z.enum(ROLES);
export const customerStatusSchema = z.enum(CUSTOMER_STATUSES);
export const noteSchema = z
  .string()
  .trim()
  .max(500)
  .describe('trimmed; at most 500 characters; line breaks allowed, other control characters not');
/**
 * The largest value of an integer column on PostgreSQL (`integer`, 32 bits; SQLite's are wider). Every integer the API
 * accepts is at most this, so none reaches the database as a value the column cannot hold (PostgreSQL answers such a
 * comparison with an error, not a mismatch).
 */
export const SQL_INTEGER_MAX = 2_147_483_647;

/**
 * A page size from the query string, in decimal digits only: z.coerce.number() is Number(), which also reads "0x10",
 * "1e1", "10.0" and " 10", none of them the integer /openapi.json promises. Anything else stays a string and fails.
 */
const decimalDigits = (value: unknown) => (typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value);
const wholeNumber = (min: number, max: number) =>
  z.int({ error: (issue) => (issue.code === 'invalid_type' ? 'must be a whole number in decimal digits' : undefined) }).min(min).max(max);
export const wholeNumberQuery = (min: number, max: number) => z.preprocess(decimalDigits, wholeNumber(min, max));
export const pageLimitQuery = (max: number, fallback: number) => z.preprocess(decimalDigits, wholeNumber(1, max).default(fallback));
/** Query strings carry text; "true"/"false" only. */
export const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');
export const notificationStatusSchema = z.enum(NOTIFICATION_STATUSES);

export const userViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: roleSchema,
    active: z.boolean(),
    wecomUserId: z.string().nullable().describe('their WeCom (企业微信) userid, lower-case; null: not reachable on WeCom'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'User' }) satisfies z.ZodType<UserView>;

export const customerViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    company: z.string().nullable(),
    source: z.string().nullable(),
    status: customerStatusSchema,
    ownerId: z.string().nullable().describe('null while the customer is in the pool'),
    inPool: z.boolean(),
    assignedAt: z.string().nullable(),
    version: z.number().int().describe('bumped by every change; send it back in PATCH to refuse lost updates'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Customer' }) satisfies z.ZodType<CustomerView>;

export const assignmentViewSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    fromOwnerId: z.string().nullable(),
    toOwnerId: z.string().nullable().describe('null when the customer was released to the pool'),
    actorId: z.string(),
    via: z.enum([...ASSIGNED_VIA, 'release']),
    note: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'AssignmentHistoryEntry' }) satisfies z.ZodType<AssignmentView>;

export const queuedNotificationSchema = z
  .object({
    id: z.string(),
    assigneeId: z.string(),
    status: z.literal('pending'),
    expectedChannel: z
      .enum(['wechat-subscribe', 'wecom'])
      .nullable()
      .describe('the channel it will go out on (a subscribe message, or WeCom when that cannot reach them), when known'),
    expected: z
      .enum(EXPECTATIONS)
      .describe('whether it will reach the assignee, as far as WeChat has told us; the assignment stands either way'),
  })
  .meta({ id: 'QueuedNotification', description: 'The outbox row written with the assignment; delivery follows asynchronously.' });

export const assignOutcomeSchema = z
  .object({
    customers: z.array(customerViewSchema).describe('every requested customer after the commit, in request order'),
    changedIds: z.array(z.string()),
    unchangedIds: z.array(z.string()).describe('already owned by the assignee: nothing was written for them'),
    notifications: z.array(queuedNotificationSchema).describe('empty when nothing changed or the actor assigned to themselves'),
    message: z.string(),
  })
  .meta({ id: 'BatchAssignment' }) satisfies z.ZodType<AssignOutcome>;

export const singleAssignmentSchema = z
  .object({
    customer: customerViewSchema,
    changed: z.boolean().describe('false when the assignee already owned the customer: nothing was written'),
    notification: queuedNotificationSchema
      .nullable()
      .describe('null when nothing changed, or when the actor took the customer for themselves (a pool claim): nobody is told of their own change'),
    message: z.string(),
  })
  .meta({ id: 'Assignment' }) satisfies z.ZodType<SingleAssignment>;

export const notificationViewSchema = z
  .object({
    id: z.string(),
    assigneeId: z.string(),
    actorId: z.string(),
    via: z.enum(ASSIGNED_VIA),
    note: z.string().nullable(),
    status: notificationStatusSchema,
    attempts: z.number().int(),
    nextAttemptAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    reason: z.string().nullable().describe('the cloud function reason (SENT, NOT_BOUND, …) or the WeChat error code'),
    lastError: z.string().nullable(),
    sentAt: z.string().nullable(),
    deliveryId: z.string().nullable().describe('the delivery it went out under: itself, or the first row of a digest'),
    confirmedAt: z.string().nullable().describe("when WeChat's delivery receipt (message push) confirmed it reached the salesperson"),
    channel: z.string().nullable().describe('the channel it went out (or was last tried) on: wechat-subscribe (a subscribe message) or wecom (a WeCom application message)'),
    customers: z
      .array(z.object({ id: z.string(), name: z.string(), company: z.string().nullable(), phone: z.string().nullable(), source: z.string().nullable() }))
      .describe('as they were at assignment time; the phone masked (138****0000)'),
  })
  .meta({ id: 'Notification' }) satisfies z.ZodType<NotificationView>;

export const attemptViewSchema = z
  .object({
    attempt: z.number().int(),
    deliveryId: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    outcome: z.string(),
    reason: z.string().nullable(),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
  })
  .meta({ id: 'NotificationAttempt' }) satisfies z.ZodType<AttemptView>;

export const notificationDetailSchema = notificationViewSchema
  .extend({
    attemptHistory: z.array(attemptViewSchema),
    reasonText: z.string().nullable().describe('the reason in words (Chinese), as the console shows it'),
    reasonFix: z.string().nullable().describe('what to do about the reason, in words (Chinese), as the console shows it; null without a known reason'),
  })
  .meta({ id: 'NotificationDetail' }) satisfies z.ZodType<NotificationDetail>;

export const reachabilitySchema = z
  .object({
    userId: z.string(),
    bound: z.boolean().nullable().describe('null: WeChat has not told us yet'),
    boundKnownSince: z.string().nullable(),
    acceptancesInStock: z.number().int().nullable().describe('messages WeChat allows with every lead template, as its pushes told us; null without any push'),
    acceptancesByTemplate: z
      .array(z.object({ templateId: z.string(), remaining: z.number().int(), refused: z.boolean(), updatedAt: z.string() }))
      .describe('the same per lead template: each acceptance allows one message with its own template; refused: WeChat refused (43101) or the user turned it off, and nothing was accepted since'),
    turnedOff: z.boolean(),
    mainSwitchOff: z.boolean().describe("their phone last showed every subscribe message off (wx.getSetting's mainSwitch false, reported by the mini-program kit): no subscribe message reaches them"),
    lastDelivered: z.object({ notificationId: z.string(), at: z.string() }).nullable(),
    lastSkipped: z.object({ notificationId: z.string(), at: z.string(), reason: z.string().nullable() }).nullable(),
    wecomUserId: z.string().nullable().describe('the WeCom (企业微信) userid an admin set; null: the second channel cannot reach them'),
    wecomReachable: z.boolean().describe('WeCom is configured, they have a userid, and WeCom has not refused it since their last message'),
    expected: z.enum(EXPECTATIONS).describe('over every configured channel: reachable when one of them is'),
    expectedChannel: z.enum(['wechat-subscribe', 'wecom']).nullable().describe('the channel the next lead will go out on, when known'),
  })
  .meta({ id: 'Reachability', description: 'whether the next lead would reach the salesperson, as far as WeChat has told the CRM' }) satisfies z.ZodType<Reachability>;

export const bindingTicketSchema = z
  .object({ ticket: z.string(), crmUserId: z.string(), expiresAt: z.string() })
  .meta({ id: 'BindingTicket', description: "pass `ticket` to the cloud function's bindCrmUser from the mini program" }) satisfies z.ZodType<BindingTicket>;
