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
}

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

  return {
    name: 'wecom',
    async send(messages) {
      const userIds = await deps.userIdsOf([...new Set(messages.map((message) => message.assigneeId))]);
      const outcomes = await Promise.all(messages.map(async (message) => [message.deliveryId, await sendOne(message, userIds.get(message.assigneeId))] as const));
      return new Map(outcomes);
    },
    async recall(deliveryIds) {
      return new Map(deliveryIds.map((deliveryId) => [deliveryId, { reason: 'RECALLED', answered: true, message: 'WeCom holds no delivery to recall' }]));
    },
  };
}
