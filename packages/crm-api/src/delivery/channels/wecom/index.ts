import { REASONS } from '@leadnotify/contracts';
import { isWechatError, type WecomClient } from '@leadnotify/wechat-client';
import type { ChannelOutcome } from '../../states/transition.js';
import type { Channel, LeadMessage } from '../channel.js';
import { buildWecomMessage, type WecomMessageFormat } from './build-message.js';

export type { WecomMessageFormat } from './build-message.js';

/** Within this many seconds WeCom does not deliver the same request again (its longest: 4 h). */
const DUPLICATE_CHECK_S = 4 * 3600;

export interface WecomChannelDeps {
  client: WecomClient;
  format: WecomMessageFormat;
  /** The WeCom userid an admin set for each CRM user, where one is set. */
  userIdsOf(crmUserIds: readonly string[]): Promise<Map<string, string>>;
  /** WeCom messages each CRM user was sent in the last minute and hour: WeCom's per-member limits. */
  recentSends(crmUserIds: readonly string[], nowMs: number): Promise<Map<string, { minute: number; hour: number }>>;
  now(): number;
}

/** WeCom's limits per application and member (https://developer.work.weixin.qq.com/document/path/90236); past them it drops messages silently. */
const PER_MINUTE = 30;
const PER_HOUR = 1000;

/**
 * A WeCom (企业微信) application message to the salesperson's WeCom account: no consent per message, so it reaches them
 * when a subscribe message cannot. One request per message, with WeCom's duplicate check over 4 h: a retry of a send
 * whose answer was lost is the same request (the message's JSON depends on the message alone) and is not delivered
 * twice, so no WeCom failure leaves a message's fate unknown. WeCom holds nothing to recall.
 */
export function createWecomChannel(deps: WecomChannelDeps): Channel {
  async function sendOne(message: LeadMessage, userId: string | undefined): Promise<ChannelOutcome> {
    if (!userId) return { reason: 'WECOM_NOT_SET', answered: true, message: REASONS.WECOM_NOT_SET.summary };
    try {
      const answer = await deps.client.sendMessage({ touser: [userId], ...buildWecomMessage(message, deps.format), duplicateCheckIntervalS: DUPLICATE_CHECK_S });
      if (answer.invalidUsers.includes(userId) || answer.unlicensedUsers.includes(userId)) {
        return { reason: 'WECOM_USER_INVALID', answered: true, message: `WeCom named ${userId} in invaliduser: ${REASONS.WECOM_USER_INVALID.summary}`, errorCode: 'invaliduser' };
      }
      return { reason: 'SENT', answered: true, ...(answer.msgId ? { msgId: answer.msgId } : {}) };
    } catch (error) {
      if (!isWechatError(error)) return { reason: 'UNEXPECTED_ERROR', answered: false, message: error instanceof Error ? error.message : String(error) };
      const errorCode = error.errcode === undefined ? error.code : String(error.errcode);
      // WeCom's errcodes are its answer about this message; a transport failure is safe to retry (duplicate check).
      if (error.errcode !== undefined) return { reason: error.code, answered: true, message: error.message, errorCode };
      return { reason: 'WECOM_UNANSWERED', answered: true, message: error.message, errorCode };
    }
  }

  /**
   * One salesperson's messages of this batch. WeCom drops what passes its per-member limits without a word, so: with
   * room for all, each goes alone; with room for fewer, they go as one message listing every customer; with none, they
   * wait a minute (WECOM_MEMBER_LIMIT) and go out then, merged with whatever else waits.
   */
  async function sendFor(messages: readonly LeadMessage[], userId: string | undefined, recent: { minute: number; hour: number }): Promise<Array<[string, ChannelOutcome]>> {
    const room = Math.min(PER_MINUTE - recent.minute, PER_HOUR - recent.hour);
    if (userId && room <= 0) return messages.map((message) => [message.deliveryId, { reason: 'WECOM_MEMBER_LIMIT', answered: true, message: REASONS.WECOM_MEMBER_LIMIT.summary }]);
    if (messages.length <= room || !userId) return Promise.all(messages.map(async (message) => [message.deliveryId, await sendOne(message, userId)] as [string, ChannelOutcome]));
    const outcome = await sendOne(merged(messages), userId);
    return messages.map((message) => [message.deliveryId, outcome]);
  }

  /**
   * This process's WeCom sends of the last hour, by salesperson. The database counts them only once recorded, after
   * the batch returns; the notifier's loops send concurrently, so each send is counted here too, and the sends run
   * one batch at a time.
   */
  const ledger = new Map<string, number[]>();
  let turn: Promise<unknown> = Promise.resolve();
  function recentOf(assignee: string, recorded: { minute: number; hour: number } | undefined, nowMs: number) {
    const sent = (ledger.get(assignee) ?? []).filter((at) => at > nowMs - 3_600_000);
    ledger.set(assignee, sent);
    return {
      minute: Math.max(recorded?.minute ?? 0, sent.filter((at) => at > nowMs - 60_000).length),
      hour: Math.max(recorded?.hour ?? 0, sent.length),
    };
  }

  async function sendBatch(messages: readonly LeadMessage[]): Promise<Map<string, ChannelOutcome>> {
    const assignees = [...new Set(messages.map((message) => message.assigneeId))];
    const nowMs = deps.now();
    const [userIds, recorded] = await Promise.all([deps.userIdsOf(assignees), deps.recentSends(assignees, nowMs)]);
    const outcomes = await Promise.all(
      assignees.map(async (assignee) => {
        const results = await sendFor(messages.filter((message) => message.assigneeId === assignee), userIds.get(assignee), recentOf(assignee, recorded.get(assignee), nowMs));
        const sends = new Set(results.filter(([, outcome]) => outcome.reason === 'SENT' || outcome.reason === 'WECOM_UNANSWERED').map(([, outcome]) => outcome));
        ledger.set(assignee, [...(ledger.get(assignee) ?? []), ...[...sends].map(() => nowMs)]);
        return results;
      }),
    );
    return new Map(outcomes.flat());
  }

  return {
    name: 'wecom',
    send(messages) {
      const result = turn.then(() => sendBatch(messages));
      turn = result.catch(() => {});
      return result;
    },
    async recall(deliveryIds) {
      return new Map(deliveryIds.map((deliveryId) => [deliveryId, { reason: 'RECALLED', answered: true, message: 'WeCom holds no delivery to recall' }]));
    },
  };
}

/** Several messages to one salesperson as one: every customer, every assigner and note once, the latest operation. */
function merged(messages: readonly LeadMessage[]): LeadMessage {
  const [first] = messages as [LeadMessage, ...LeadMessage[]];
  const latest = messages.reduce((a, b) => (b.assignedAt > a.assignedAt ? b : a));
  const unique = <T>(items: T[], key: (item: T) => string) => [...new Map(items.map((item) => [key(item), item])).values()];
  return {
    deliveryId: first.deliveryId,
    assigneeId: first.assigneeId,
    customers: unique(messages.flatMap((message) => message.customers), (customer) => customer.id),
    assigners: unique(messages.flatMap((message) => message.assigners), (assigner) => assigner.id),
    notes: [...new Set(messages.flatMap((message) => message.notes))],
    via: latest.via,
    assignedAt: latest.assignedAt,
  };
}
