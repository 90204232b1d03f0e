/** What the console reads from crm-api (CONSOLE-API.md and docs/api.md): the shapes the pages rely on. */
export type Role = 'admin' | 'manager' | 'sales';

export interface SessionUser {
  id: string;
  name: string;
  role: Role;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
  expiresAt: string;
}

export type Channel = 'wechat-subscribe' | 'wecom';

export interface TeamMember {
  user: SessionUser;
  binding: { bound: boolean | null; since: string | null };
  /** Acceptances WeChat allows per lead template. */
  stock: Record<string, number>;
  /** Templates the salesperson kept with "总是保持以上选择", as their phone last reported. */
  always: string[];
  /** false: their phone showed every subscribe message off; null: it has not reported. */
  mainSwitch: boolean | null;
  settingsReportedAt: string | null;
  /** Templates they turned off (or WeChat refused). */
  turnedOff: string[];
  wecom: { userId: string | null; reachable: boolean };
  lastDelivered: { at: string; customerName: string | null } | null;
  lastSkipped: { at: string; reason: string | null; reasonText: string | null } | null;
  /** `wechat` is the subscribe message (CONSOLE-API.md), as in the overview's byChannel. */
  nextLead: { reaches: boolean; channel: 'wechat' | 'wecom' | null; text: string };
}

export const NOTIFICATION_STATUSES = ['pending', 'sending', 'sent', 'unconfirmed', 'skipped', 'withdrawn', 'failed', 'dead'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** An operator may send these again (POST /api/notifications/:id/retry). */
export const RETRYABLE: readonly NotificationStatus[] = ['failed', 'dead', 'skipped', 'unconfirmed'];

export interface NotificationItem {
  id: string;
  assigneeId: string;
  assigneeName?: string;
  status: NotificationStatus;
  reason: string | null;
  /** The reason in words, and what to do about it, as crm-api words them (GET /api/notifications). */
  reasonText?: string | null;
  reasonFix?: string | null;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  confirmedAt: string | null;
  channel: Channel | null;
  lastError: string | null;
  customers: Array<{ id: string; name: string; company: string | null }>;
}

export interface AttemptItem {
  attempt: number;
  deliveryId: string;
  startedAt: string;
  finishedAt: string;
  outcome: string;
  reason: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface NotificationDetail extends NotificationItem {
  attemptHistory: AttemptItem[];
}

export interface NotificationPage {
  items: NotificationItem[];
  nextCursor: string | null;
  total: number;
}

export interface OverviewDay {
  date: string;
  /** Notifications created that day, by their status now. */
  byStatus: Record<NotificationStatus, number>;
  /** The sent ones by channel: `wechat` is the subscribe message. */
  byChannel: { wechat: number; wecom: number };
  /** Salespeople with a skipped notification that day. */
  unreachable: number;
}

export interface Overview {
  days: OverviewDay[];
  latency: { bucketsMs: number[]; counts: number[] };
}
