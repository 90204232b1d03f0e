import type { Channel } from '../channel.js';
import { buildDeliveryEvent } from './build-event.js';
import type { CloudFunction } from './cloud-function.js';
import { outcomesOfAnswer, outcomesOfFailure } from './outcomes.js';

export { createCloudFunction, type CloudFunction } from './cloud-function.js';
export { applyPush, receivePush, type PushDeps } from './push/apply-push.js';
export { createPushInbox, type PushInbox } from './push/inbox.js';
export { checkSignature, openPush, parsePushJson, type PushQuery } from './push/open-push.js';

/**
 * A WeChat mini-program subscribe message, sent by the cloud function (`sendBatchCustomerAssignNotification`): one
 * invocation for the whole batch. The function sends a delivery id at most once and answers a repeat with what it
 * recorded, so a retry after a lost answer is safe. Its inbound side — WeChat's pushes of acceptances and delivery
 * receipts — is in push/.
 */
export function createWechatSubscribeChannel(cloudFunction: CloudFunction): Channel {
  return {
    name: 'wechat-subscribe',
    async send(messages) {
      const ids = messages.map((message) => message.deliveryId);
      if (ids.length === 0) return new Map();
      try {
        return outcomesOfAnswer(ids, await cloudFunction.send(messages.map(buildDeliveryEvent)));
      } catch (error) {
        return outcomesOfFailure(ids, error);
      }
    },
    async recall(deliveryIds) {
      if (deliveryIds.length === 0) return new Map();
      try {
        return outcomesOfAnswer(deliveryIds, await cloudFunction.recall(deliveryIds));
      } catch (error) {
        return outcomesOfFailure(deliveryIds, error);
      }
    },
  };
}
