import type { AssignedVia } from '@leadnotify/contracts';
import type { Generated, Selectable } from 'kysely';
import type { AttemptOutcome, NotificationStatus } from '../delivery/states/statuses.js';
import type { CustomerStatus } from '../domain/customer-statuses.js';
import type { Role } from '../domain/roles.js';

/** Timestamps are ISO-8601 UTC strings in both engines, so they sort and compare the same way. */
type Timestamp = string;

export interface UsersTable {
  id: string;
  name: string;
  role: Role;
  /** 1 or 0: SQLite has no boolean type. */
  active: number;
  /** Their WeCom (企业微信) userid, set by an admin; null: not reachable on WeCom. */
  wecom_user_id: Generated<string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  token_hash: string;
  created_at: Timestamp;
  /** After this the token answers 401 "expired". */
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  /** Updated at most once a minute per token, not on every request. */
  last_used_at: Timestamp | null;
  /** `api`: made by the CLI or an admin; `wechat`: a mini-program session, exchanged for a cloud function's vouch. */
  kind: Generated<ApiTokenKind>;
  /** The WeChat user a `wechat` token was issued to. */
  openid: string | null;
}

export type ApiTokenKind = 'api' | 'wechat';

/** The session vouches exchanged, by nonce, kept until they expire: each is exchanged once. */
export interface WechatSessionVouchesTable {
  nonce: string;
  user_id: string;
  used_at: Timestamp;
  expires_at: Timestamp;
}

export interface CustomersTable {
  id: string;
  name: string;
  phone: string | null;
  company: string | null;
  source: string | null;
  status: CustomerStatus;
  /** null = in the lead pool. */
  owner_id: string | null;
  assigned_at: Timestamp | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AssignmentsTable {
  id: string;
  customer_id: string;
  from_owner_id: string | null;
  /** null when the customer was released to the pool. */
  to_owner_id: string | null;
  actor_id: string;
  via: AssignedVia | 'release';
  note: string | null;
  created_at: Timestamp;
  /** The customer's version after this change: orders one customer's history exactly. */
  customer_version: number;
}

export interface NotificationsTable {
  id: string;
  assignee_id: string;
  actor_id: string;
  via: AssignedVia;
  note: string | null;
  status: NotificationStatus;
  attempts: number;
  next_attempt_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Which worker holds the row while it is 'sending', and until when. */
  lease_owner: string | null;
  lease_until: Timestamp | null;
  /** The notification id the row was (or is being) delivered under; a digest merges several rows into one. */
  delivery_id: string | null;
  /** The cloud function's reason (SENT, NOT_BOUND, …) or the WeChat error code of the last attempt. */
  reason: string | null;
  last_error: string | null;
  sent_at: Timestamp | null;
  /** 1 once an `unconfirmed` delivery was sent again because no receipt came: that happens once per requeue. */
  no_receipt_resent: Generated<number>;
  /** Whom the function sent it to (or may have): WeChat's delivery receipt names only the openid. */
  wechat_openid: string | null;
  /** When WeChat's subscribe_msg_sent_event confirmed the delivery. */
  confirmed_at: Timestamp | null;
  /** 1: the channel may hold the delivery id as sent; it is recalled through the channel, never withdrawn on our say. */
  fate_unknown: Generated<number>;
  /** The template it went (or may have gone) out with, and WeChat's MsgID when the send answer carried one. */
  template_id: string | null;
  msg_id: string | null;
  /** The channel it went out (or was last tried) on: wechat-subscribe or wecom. */
  channel: Generated<string | null>;
  /** In that attempt, the skip of an earlier channel the chain passed over (NOT_BOUND, NO_SUBSCRIPTION, …): null if none. */
  passed_over_reason: Generated<string | null>;
  /** When a worker first took it under its delivery id: it cannot have reached WeChat before. */
  tried_at: Timestamp | null;
}

export interface NotificationAttemptsTable {
  id: string;
  notification_id: string;
  attempt: number;
  delivery_id: string;
  started_at: Timestamp;
  finished_at: Timestamp;
  outcome: AttemptOutcome;
  reason: string | null;
  error_code: string | null;
  error_message: string | null;
}

export interface NotificationCustomersTable {
  notification_id: string;
  customer_id: string;
  /** The name at assignment time: the message shows what the assigner saw. */
  customer_name: string;
  customer_company: string | null;
  /** Masked (138****0000) before it is stored: the outbox never holds a full phone number. */
  customer_phone: string | null;
  customer_source: string | null;
  position: number;
}

export interface BindingScenesTable {
  /** The mini-program code's scene: 16 random letters and digits. */
  code: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** The inbox of WeChat's message pushes: each verified push stored once (a replay is refused), then applied with retries. */
export interface WechatPushesTable {
  id: string;
  event: string;
  openid: string | null;
  received_at: Timestamp;
  /** The opened event, JSON; null for pushes applied before the inbox. */
  body: string | null;
  applied_at: Timestamp | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  /** While one process applies it. */
  lease_until: Timestamp | null;
  last_error: string | null;
}

/**
 * WeChat's delivery receipts (subscribe_msg_sent_event). One can arrive before the notifier has recorded the
 * delivery it is about; it waits here, unsettled, until that delivery is recorded.
 */
export interface WechatReceiptsTable {
  id: string;
  openid: string;
  delivered: number;
  detail: string;
  received_at: Timestamp;
  settled_delivery_id: string | null;
  template_id: string | null;
  msg_id: string | null;
  /** When WeChat pushed it (CreateTime). */
  created_at: Timestamp | null;
}

/** An admin released the user's WeChat binding (they left): not bound until WeChat shows one again. */
export interface WechatBindingReleasesTable {
  user_id: string;
  released_at: Timestamp;
}

/** The subscribe-message settings the salesperson's phone last showed (wx.getSetting, reported by the kit). */
export interface WechatSubscriptionSettingsTable {
  user_id: string;
  /** 0: every subscribe message is off (mainSwitch false). */
  main_switch: number;
  /** JSON array of the lead template ids kept "always accept". */
  always: string;
  reported_at: Timestamp;
}

/** The function's subscription count for a WeChat user and template, as it last answered. */
export interface WechatSubscriptionsTable {
  openid: string;
  template_id: string;
  crm_user_id: string | null;
  remaining: number;
  refused: number;
  /** The function's version of the count: answers arriving out of order never roll it back. */
  version: number;
  updated_at: Timestamp;
}

/** A console sign-in: the cookie holds the id, the table its SHA-256. */
export interface ConsoleSessionsTable {
  id_hash: string;
  user_id: string;
  /** Sent back by the console in X-CSRF-Token on every change; not a credential on its own. */
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  /** Signed out. */
  ended_at: Timestamp | null;
}

/** A one-time sign-in link (pnpm cli console:link): its token's SHA-256. */
export interface ConsoleSignInLinksTable {
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** A sign-in the console waits for while a phone scans its mini-program code and confirms. */
export interface ConsoleSignInScansTable {
  /** SHA-256 of the id only the browser holds. */
  id_hash: string;
  /** What the mini-program code carries: it names the sign-in to the phone, never to a browser. */
  scene: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  /** Who confirmed it on their phone. */
  user_id: string | null;
  confirmed_at: Timestamp | null;
  /** The browser took its session: a scan signs in once. */
  completed_at: Timestamp | null;
}

export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  customers: CustomersTable;
  assignments: AssignmentsTable;
  notifications: NotificationsTable;
  binding_scenes: BindingScenesTable;
  wechat_pushes: WechatPushesTable;
  wechat_receipts: WechatReceiptsTable;
  wechat_subscriptions: WechatSubscriptionsTable;
  wechat_binding_releases: WechatBindingReleasesTable;
  wechat_subscription_settings: WechatSubscriptionSettingsTable;
  wechat_session_vouches: WechatSessionVouchesTable;
  notification_customers: NotificationCustomersTable;
  notification_attempts: NotificationAttemptsTable;
  console_sessions: ConsoleSessionsTable;
  console_sign_in_links: ConsoleSignInLinksTable;
  console_sign_in_scans: ConsoleSignInScansTable;
}

export type UserRow = Selectable<UsersTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type CustomerRow = Selectable<CustomersTable>;
export type AssignmentRow = Selectable<AssignmentsTable>;
export type NotificationRow = Selectable<NotificationsTable>;
