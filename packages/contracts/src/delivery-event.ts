import { z } from 'zod';
import { assignedViaSchema } from './assigned-via.js';

/**
 * The notifier → cloud function wire format. One delivery is one subscribe message: one outbox row, or
 * several of one assignee merged by the digest window. `deliveryId` is the outbox's delivery id; the
 * function uses it as its idempotency key and the message's deep link carries it.
 */
const text = (max: number) => z.string().trim().min(1).max(max);

export const MAX_LISTED_CUSTOMERS = 1000;
/** The longest `actor.name` and `note` an event may carry (UTF-16 units, as zod counts). */
export const MAX_ACTOR_NAME_LENGTH = 100;
export const MAX_NOTE_LENGTH = 500;

export const deliveryCustomerSchema = z.object({
  id: text(128),
  name: text(200),
  company: text(200).optional(),
  /** Masked by the CRM before it travels (docs/cloud-function.md). */
  phone: text(64).optional(),
  source: text(100).optional(),
});
export type DeliveryCustomer = z.infer<typeof deliveryCustomerSchema>;

export const deliveryEventSchema = z
  .object({
    /** Sent at most once per id: the CRM asks for a new message under a new id. */
    deliveryId: text(128),
    /** CRM user id of the assignee; the function's binding gives the openid. */
    assigneeId: text(128),
    /** When the CRM already knows the openid. */
    openid: text(128).optional(),
    customers: z.array(deliveryCustomerSchema).min(1).max(MAX_LISTED_CUSTOMERS),
    /** How many customers were assigned in all, when `customers` lists only the first few. */
    customerCount: z.number().int().optional(),
    actor: z.object({ id: text(128).optional(), name: text(MAX_ACTOR_NAME_LENGTH) }),
    via: assignedViaSchema,
    note: z
      .string()
      .max(MAX_NOTE_LENGTH)
      .optional()
      .transform((note) => (note === undefined || note.trim() === '' ? undefined : note)),
    /** ISO-8601 time of the assignment. */
    assignedAt: text(64).refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO-8601 time'),
  })
  .refine((event) => event.customerCount === undefined || event.customerCount >= event.customers.length, {
    path: ['customerCount'],
    message: 'must be an integer no smaller than the number of customers listed',
  });
export type DeliveryEvent = z.infer<typeof deliveryEventSchema>;
/** What the notifier writes before the schema's defaults and trimming apply. */
export type DeliveryEventInput = z.input<typeof deliveryEventSchema>;

/** The function's event types, as `event.type`. */
export const FUNCTION_EVENT_TYPES = [
  'getOpenId',
  'sendCustomerAssignNotification',
  'sendBatchCustomerAssignNotification',
  'recallDeliveries',
  'bindCrmUser',
  'unbindCrmUser',
  'vouchCrmSession',
  'releaseBinding',
  'recordSubscription',
  'subscriptionStatus',
  'applySubscriptionEvents',
  'checkSetup',
] as const;
export type FunctionEventType = (typeof FUNCTION_EVENT_TYPES)[number];

export interface Problem {
  path: string;
  message: string;
}

/** Zod's issues as `path message` pairs, the `details` of an INVALID_EVENT answer. */
export function problemsOf(error: z.ZodError, prefix: string): Problem[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}
