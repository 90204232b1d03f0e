/** One delivery an invocation asked the function to send: whom, under which id, naming which customers. */
export interface LoggedDelivery {
  deliveryId: string | null;
  assigneeId: string | null;
  /** The customers the event lists (the message names these), in its order. */
  customerIds: string[];
  customerCount: number | null;
}

/**
 * One run of the function over the HTTP API (/tcb/invokecloudfunction), as WeChat saw it: when the request
 * arrived, what it asked, what the run sent or was stopped from sending, and what the caller was told. It is
 * the ground truth a soak compares the CRM's records with: which message went out in which invocation, and
 * which customers that invocation named when it arrived.
 */
export interface InvocationLogEntry {
  id: number;
  /** When the request arrived, before any added latency: ISO time and epoch milliseconds (fractional). */
  arrivedAt: string;
  arrivedAtMs: number;
  /** The event's `type`. */
  type: string | null;
  deliveries: LoggedDelivery[];
  /** MsgIDs of the messages this run delivered. */
  messageIds: string[];
  /** Sends the run started that the kill stopped before they reached WeChat (sendTransitMs): never delivered. */
  stoppedSends: number;
  /** How the run ended: `returned`, `threw`, `killed` (its limit), `caller gave up` (the HTTP wait); unset while it runs. */
  run?: 'returned' | 'threw' | 'killed' | 'caller gave up';
  /** What the caller got: `ok`, `errcode N`, `http500`, `drop`; unset until answered. */
  answer?: string;
  answeredAt?: string;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function loggedDelivery(item: unknown): LoggedDelivery {
  const delivery = (item ?? {}) as Record<string, unknown>;
  const customers = Array.isArray(delivery.customers) ? (delivery.customers as unknown[]) : [];
  return {
    deliveryId: text(delivery.deliveryId),
    assigneeId: text(delivery.assigneeId),
    customerIds: customers.map((customer) => text((customer as Record<string, unknown> | null)?.id)).filter((id): id is string => id !== null),
    customerCount: typeof delivery.customerCount === 'number' ? delivery.customerCount : null,
  };
}

/** The deliveries an event asks for: itself for one send, its `deliveries` for a batch, none for other types. */
export function deliveriesOf(event: Record<string, unknown>): LoggedDelivery[] {
  if (event.type === 'sendCustomerAssignNotification') return [loggedDelivery(event)];
  if (event.type === 'sendBatchCustomerAssignNotification' && Array.isArray(event.deliveries)) return event.deliveries.map(loggedDelivery);
  return [];
}

/** The invocations of the function over the HTTP API, in arrival order, numbered from 1. */
export function createInvocationLog() {
  const entries: InvocationLogEntry[] = [];
  return {
    entries,
    start(arrivedAtMs: number, event: Record<string, unknown>): InvocationLogEntry {
      const entry: InvocationLogEntry = {
        id: entries.length + 1,
        arrivedAt: new Date(arrivedAtMs).toISOString(),
        arrivedAtMs,
        type: text(event.type),
        deliveries: deliveriesOf(event),
        messageIds: [],
        stoppedSends: 0,
      };
      entries.push(entry);
      return entry;
    },
  };
}

export type InvocationLog = ReturnType<typeof createInvocationLog>;
