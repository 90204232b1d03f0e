import type { Migration } from 'kysely';
import * as initial from './0001-initial.js';
import * as notificationDelivery from './0002-notification-delivery.js';
import * as dueIndex from './0003-due-index.js';
import * as deliveryTruth from './0004-delivery-truth.js';
import * as apiTokenLifecycle from './0005-api-token-lifecycle.js';
import * as bindingScenes from './0006-binding-scenes.js';
import * as messagePush from './0007-message-push.js';
import * as reachabilityIndexes from './0008-reachability-indexes.js';
import * as newestSubscriptionIndex from './0009-newest-subscription-index.js';
import * as newDeliveryPerResend from './0010-new-delivery-per-resend.js';
import * as assignedVia from './0011-assigned-via.js';
import * as messageFate from './0012-message-fate.js';
import * as pushInbox from './0013-push-inbox.js';
import * as wechatBindingReleased from './0014-wechat-binding-released.js';
import * as wecomUserid from './0015-wecom-userid.js';
import * as notificationChannel from './0016-notification-channel.js';
import * as wechatSessions from './0017-wechat-sessions.js';
import * as consoleSessions from './0018-console-sessions.js';
import * as notificationListIndex from './0019-notification-list-index.js';
import * as subscriptionSettings from './0020-subscription-settings.js';
import * as passedOverReason from './0021-passed-over-reason.js';

/** Applied in key order; a new migration is a new versioned file added here. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-notification-delivery': notificationDelivery,
  '0003-due-index': dueIndex,
  '0004-delivery-truth': deliveryTruth,
  '0005-api-token-lifecycle': apiTokenLifecycle,
  '0006-binding-scenes': bindingScenes,
  '0007-message-push': messagePush,
  '0008-reachability-indexes': reachabilityIndexes,
  '0009-newest-subscription-index': newestSubscriptionIndex,
  '0010-new-delivery-per-resend': newDeliveryPerResend,
  '0011-assigned-via': assignedVia,
  '0012-message-fate': messageFate,
  '0013-push-inbox': pushInbox,
  '0014-wechat-binding-released': wechatBindingReleased,
  '0015-wecom-userid': wecomUserid,
  '0016-notification-channel': notificationChannel,
  '0017-wechat-sessions': wechatSessions,
  '0018-console-sessions': consoleSessions,
  '0019-notification-list-index': notificationListIndex,
  '0020-subscription-settings': subscriptionSettings,
  '0021-passed-over-reason': passedOverReason,
};
