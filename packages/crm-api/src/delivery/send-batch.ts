import type { NotificationRow } from '../db/schema.js';
import type { Channel } from './channels/channel.js';
import type { ClaimedMessage } from './claim-messages.js';
import { transitionContext, type DeliveryDeps } from './deps.js';
import { changeFor } from './outbox/apply-change.js';
import { prepareSend, type PreparedMessage } from './prepare-send.js';
import { partOf, transition, type ChannelOutcome, type NotTheirsReason } from './states/transition.js';
import { writeChanges, type ChangeToRecord } from './write-changes.js';

/** What became of one claimed message's rows in this round, for the record step. */
export type Sent =
  /** Went to the channel; `rows` are the ones the message covered. */
  | { kind: 'sent'; claimed: ClaimedMessage; rows: NotificationRow[]; outcome: ChannelOutcome; customerIds: string[] }
  /** The channel was asked what became of it; `stillTheirs` rows are to go out yet if it never went. */
  | { kind: 'recalled'; claimed: ClaimedMessage; notTheirs: NotificationRow[]; stillTheirs: NotificationRow[]; reason: NotTheirsReason; outcome: ChannelOutcome }
  /** Nobody is to hear about the whole message and the channel certainly never had it: decided without asking it. */
  | { kind: 'withdrawn'; change: ChangeToRecord };

export interface SentBatch {
  startedAtMs: number;
  results: Sent[];
}

/**
 * Sends a claimed batch: who is to hear about what is checked now (prepareSend); rows nobody is to hear about that the
 * channel certainly never had are withdrawn — the part of a message whose rest goes out is written before the channel
 * is called, so a crash during the call cannot leave it under an id that went out without it — the messages go to the
 * channel in one call, and those no longer wanted that the channel may have had are recalled through it.
 */
export async function sendBatch(deps: DeliveryDeps, channel: Channel, claimed: readonly ClaimedMessage[], workerId: string): Promise<SentBatch> {
  const startedAtMs = deps.clock.now();
  const prepared = await prepareSend(deps, claimed);
  const context = transitionContext(deps, startedAtMs);
  const toSend: PreparedMessage[] = [];
  const toRecall: Array<{ prepared: PreparedMessage; reason: NotTheirsReason }> = [];
  const withdrawnPart: ChangeToRecord[] = [];
  const withdrawnWhole: Sent[] = [];
  for (const entry of prepared) {
    if (entry.notTheirs.length === 0) {
      toSend.push(entry);
      continue;
    }
    const { message, assigneeId } = entry.claimed;
    const decision = transition(partOf(message, new Set(entry.notTheirs.map((row) => row.id))), { type: 'not-theirs', reason: entry.notTheirsReason }, context);
    if (decision && 'recall' in decision) {
      toRecall.push({ prepared: entry, reason: decision.recall });
      continue;
    }
    const withdrawal = decision && { item: changeFor(entry.notTheirs, message.deliveryId, { status: message.status, heldBy: workerId }, decision.change), assigneeId, customerIds: [] };
    if (entry.theirs.length === 0) {
      if (withdrawal) withdrawnWhole.push({ kind: 'withdrawn', change: withdrawal });
      continue;
    }
    if (withdrawal) withdrawnPart.push(withdrawal);
    toSend.push(entry);
  }
  await writeChanges(deps, withdrawnPart, startedAtMs);

  const leads = toSend.flatMap((entry) => (entry.lead ? [entry.lead] : []));
  const recallIds = toRecall.map(({ prepared: entry }) => entry.claimed.message.deliveryId);
  const [sent, recalled] = await Promise.all([channel.send(leads, { startedAtMs }), channel.recall(recallIds, { startedAtMs })]);
  const noAnswer: ChannelOutcome = { reason: 'NO_RESULT', answered: false };
  return {
    startedAtMs,
    results: [
      ...toSend.map((entry): Sent => ({
        kind: 'sent',
        claimed: entry.claimed,
        rows: entry.theirs,
        outcome: sent.get(entry.claimed.message.deliveryId) ?? noAnswer,
        customerIds: entry.lead?.customers.map((customer) => customer.id) ?? [],
      })),
      ...toRecall.map(({ prepared: entry, reason }): Sent => ({
        kind: 'recalled',
        claimed: entry.claimed,
        notTheirs: entry.notTheirs,
        stillTheirs: entry.theirs,
        reason,
        outcome: recalled.get(entry.claimed.message.deliveryId) ?? noAnswer,
      })),
      ...withdrawnWhole,
    ],
  };
}
