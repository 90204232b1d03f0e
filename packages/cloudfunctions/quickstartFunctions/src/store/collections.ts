/** Collections the function keeps in the cloud database (create them in the cloud console, see docs). */
export const COLLECTIONS = {
  bindings: 'crm_user_bindings',
  /** One per openid: the unique claim that keeps one WeChat user bound to at most one CRM user. */
  openidClaims: 'openid_bindings',
  subscriptions: 'subscription_quotas',
  deliveries: 'notification_deliveries',
  usedTickets: 'binding_tickets_used',
  /** Subscription events from WeChat's message push already applied, by the CRM's key: each counts once. */
  appliedEvents: 'subscription_events_applied',
} as const;
