import type { Migration } from 'kysely';
import * as initial from './0001-initial.js';
import * as notificationDelivery from './0002-notification-delivery.js';
import * as dueIndex from './0003-due-index.js';
import * as apiTokenLifecycle from './0005-api-token-lifecycle.js';

/** Applied in key order; a new migration is a new versioned file added here. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-notification-delivery': notificationDelivery,
  '0003-due-index': dueIndex,
  // 0004 is another branch's; migrateToLatest allows unordered migrations so it can land after 0005 ran.
  '0005-api-token-lifecycle': apiTokenLifecycle,
};
