/** The outbox's data access, all of it: queue with the assignment, claim, record, read. */
export { maskPhone, queueAssignmentNotification, type QueuedNotification } from './queue-notification.js';
export { claimDeliveries, type ClaimOptions, type ClaimedRow, type Delivery } from './claim-deliveries.js';
export { releaseLeases, writeOutcomes, type RowStateChange } from './record-outcomes.js';
export {
  currentOwners,
  customersByNotification,
  findNotificationRow,
  listAttemptRows,
  listNotificationRows,
  readBacklog,
  userNames,
  type NotificationRowFilter,
  type OutboxCustomer,
} from './read-notifications.js';
export { recordReceipt, settleReceipts, type Settlement } from './receipts.js';
export { REQUEUEABLE_STATUSES, requeueRows, requeueSkippedAsDigest, requeueUnreceipted } from './requeue.js';
