import type { AssignedVia } from '@leadnotify/contracts';
import type { OutboxCustomer } from '../outbox/read.js';
import type { ChannelOutcome } from '../states/transition.js';

/**
 * The port every delivery channel sits behind: how a message travels to a salesperson (a WeChat subscribe message
 * today). The notifier speaks only to this; a channel is one folder under channels/ and one line in the registry.
 */
export interface Channel {
  readonly name: string;
  /**
   * Sends each message, at most once per delivery id whatever repeats the call. One outcome per message, by delivery
   * id; a message missing from the map is taken as a failed call.
   */
  send(messages: readonly LeadMessage[], context: { startedAtMs: number }): Promise<Map<string, ChannelOutcome>>;
  /**
   * For deliveries that may have reached the channel but are no longer wanted: what became of each (sent, maybe sent,
   * being sent), and for those that never went out, a promise that they never will (reason RECALLED).
   */
  recall(deliveryIds: readonly string[], context: { startedAtMs: number }): Promise<Map<string, ChannelOutcome>>;
}

/** What a message tells the salesperson, whatever carries it: the customers just assigned to them. */
export interface LeadMessage {
  deliveryId: string;
  assigneeId: string;
  /** Still the assignee's at the moment of sending, each once, in the order they were assigned. */
  customers: OutboxCustomer[];
  /** Who assigned them, each once, the latest last. */
  assigners: Array<{ id: string; name: string }>;
  /** Each note once, in the order they were written. */
  notes: string[];
  /** The latest assignment's operation and time. */
  via: AssignedVia;
  assignedAt: string;
}
