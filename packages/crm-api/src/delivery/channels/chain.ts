import { REASONS } from '@leadnotify/contracts';
import type { Logger } from 'pino';
import type { ChannelOutcome } from '../states/transition.js';
import type { Channel, LeadMessage } from './channel.js';

/**
 * The channel policy: the channels in order (NOTIFY_CHANNELS), each message tried on the next in the same moment when
 * one cannot reach its salesperson (its answer is a skip: no acceptance in stock, turned off, not bound). Every outcome
 * names the channel that gave it. A later channel's skip replaces an earlier one's only when it says what to fix
 * (WECOM_USER_INVALID), not when it merely cannot reach them either (WECOM_NOT_SET); a later channel's permanent failure
 * (its configuration) keeps the earlier skip, so the message is still caught up when the salesperson subscribes
 * again — the failure is logged and in the metrics of the API that failed. An answer that replaces an earlier skip
 * carries that skip's reason (`passedOver`).
 */
export function createChannelChain(channels: readonly Channel[], logger: Logger): Channel {
  const [first] = channels;
  if (!first) throw new TypeError('createChannelChain: at least one channel');

  return {
    name: channels.map((channel) => channel.name).join('+'),
    async send(messages, context) {
      const outcomes = new Map<string, ChannelOutcome>();
      let pending: readonly LeadMessage[] = messages;
      for (const [index, channel] of channels.entries()) {
        if (pending.length === 0) break;
        const answers = await channel.send(pending, context);
        const next: LeadMessage[] = [];
        for (const message of pending) {
          const answer = { ...(answers.get(message.deliveryId) ?? { reason: 'NO_RESULT' as const, answered: false }), channel: channel.name };
          const earlier = outcomes.get(message.deliveryId);
          const skip = answer.answered && REASONS[answer.reason].disposition === 'skipped';
          if (earlier && !replaces(answer)) {
            if (REASONS[answer.reason].disposition === 'permanent') logger.warn({ channel: channel.name, reason: answer.reason, deliveryId: message.deliveryId }, `${channel.name} cannot deliver: ${answer.message ?? answer.reason}`);
          } else {
            // What the channel passed over said of the salesperson (not bound, none left) stays known beside the answer
            // that replaces it: reachability reads it, or a lead WeCom delivered would hide that WeChat cannot reach them.
            outcomes.set(message.deliveryId, earlier ? { ...answer, passedOver: earlier.passedOver ?? earlier.reason } : answer);
          }
          if (skip && index < channels.length - 1) next.push(message);
        }
        pending = next;
      }
      return outcomes;
    },
    async recall(deliveryIds, context) {
      // Only a channel that holds deliveries (the subscribe message's function) can say what became of one; the
      // first channel's answer stands unless another says it sent it.
      const answers = await Promise.all(channels.map(async (channel) => ({ channel: channel.name, outcomes: await channel.recall(deliveryIds, context) })));
      const outcomes = new Map<string, ChannelOutcome>();
      for (const deliveryId of deliveryIds) {
        const all = answers.map(({ channel, outcomes: byId }) => ({ ...(byId.get(deliveryId) ?? { reason: 'NO_RESULT' as const, answered: false }), channel }));
        outcomes.set(deliveryId, all.find((answer) => REASONS[answer.reason].disposition === 'sent') ?? (all[0] as ChannelOutcome));
      }
      return outcomes;
    },
  };
}

/** Whether a later channel's answer is what the message comes to, over an earlier channel's skip. */
function replaces(answer: ChannelOutcome): boolean {
  const disposition = REASONS[answer.reason].disposition;
  if (disposition === 'skipped') return answer.reason !== 'WECOM_NOT_SET';
  return disposition !== 'permanent';
}
