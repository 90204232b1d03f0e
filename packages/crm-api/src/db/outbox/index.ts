/** The outbox's data access, all of it: queue with the assignment, claim, record, read. */
export { maskPhone, queueAssignmentNotification, type QueuedNotification } from './queue-notification.js';
export { claimDeliveries, type ClaimOptions, type ClaimedRow, type Delivery } from './claim-deliveries.js';
export { releaseLeases, writeOutcomes, type RowStateChange } from './record-outcomes.js';
export {
  customersByNotification,
  findNotificationRow,
  listAttemptRows,
  listNotificationRows,
  readBacklog,
  REQUEUEABLE_STATUSES,
  requeueRows,
  userNames,
  type NotificationRowFilter,
  type OutboxCustomer,
} from './read-notifications.js';
export { recordReceipt, requeueSkippedAsDigest, requeueUnreceipted, settleReceipts, type Settlement } from './receipts.js';
