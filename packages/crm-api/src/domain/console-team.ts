import type { AppContext } from '../context.js';
import { customersByNotification } from '../delivery/outbox/read.js';
import { readSubscriptionSettings, type SubscriptionSettingsRow } from '../db/subscription-settings-store.js';
import { findUserRow, listUserRows } from '../db/users-store.js';
import { canManageAssignments, type Actor } from './actor.js';
import { nextLeadText, reasonInWords, type NextLeadChannel } from './console-texts.js';
import { reachabilityOfUsers, type Reachability } from './reachability.js';
import type { Role } from './roles.js';

/** One salesperson on the console's team page: whether the next lead reaches them, and why not. */
export interface TeamMember {
  user: { id: string; name: string; role: Role };
  /** bound null: WeChat has not told the CRM (no lead went to their openid, no push came from it). */
  binding: { bound: boolean | null; since: string | null };
  /** Messages WeChat allows per lead template. */
  stock: Record<string, number>;
  /**
   * Lead templates they keep "总是保持以上选择" (always accept), as their phone last showed it (wx.getSetting, reported by
   * the mini-program kit); empty until it reports.
   */
  always: string[];
  /** false: their phone showed every subscribe message off; null: the phone has not reported. */
  mainSwitch: boolean | null;
  /** When the phone last reported its settings. */
  settingsReportedAt: string | null;
  /** Templates WeChat refused or they turned off, with nothing accepted since. */
  turnedOff: string[];
  wecom: { userId: string | null; reachable: boolean };
  lastDelivered: { at: string; customerName: string } | null;
  lastSkipped: { at: string; reason: string | null; reasonText: string | null } | null;
  nextLead: { reaches: boolean; channel: NextLeadChannel | null; text: string };
}

const CHANNEL_NAMES = { 'wechat-subscribe': 'wechat', wecom: 'wecom' } as const;

/** A row from what GET /api/users/:id/reachability judges, and the customer of the last delivery. */
function memberOf(user: TeamMember['user'], reach: Reachability, customerName: string | undefined, settings: SubscriptionSettingsRow | undefined): TeamMember {
  const channel = reach.expectedChannel ? CHANNEL_NAMES[reach.expectedChannel] : null;
  return {
    user,
    binding: { bound: reach.bound, since: reach.boundKnownSince },
    stock: Object.fromEntries(reach.acceptancesByTemplate.map((template) => [template.templateId, template.remaining])),
    always: settings?.always ?? [],
    mainSwitch: settings?.mainSwitch ?? null,
    settingsReportedAt: settings?.reportedAt ?? null,
    turnedOff: reach.acceptancesByTemplate.filter((template) => template.refused && template.remaining === 0).map((template) => template.templateId),
    wecom: { userId: reach.wecomUserId, reachable: reach.wecomReachable },
    lastDelivered: reach.lastDelivered ? { at: reach.lastDelivered.at, customerName: customerName ?? '' } : null,
    lastSkipped: reach.lastSkipped
      ? { at: reach.lastSkipped.at, reason: reach.lastSkipped.reason, reasonText: reach.lastSkipped.reason ? reasonInWords(reach.lastSkipped.reason).text : null }
      : null,
    nextLead: { reaches: reach.expected === 'reachable', channel, text: nextLeadText(reach.expected, channel) },
  };
}

/**
 * The console's team page: a manager or admin sees every active salesperson, a sales user themselves. The same few
 * statements whatever the team's size (users, their reachability facts and stock, their phones' subscription settings,
 * the last deliveries' customers).
 */
export async function consoleTeam(ctx: AppContext, actor: Actor): Promise<{ items: TeamMember[] }> {
  const users = canManageAssignments(actor)
    ? await listUserRows(ctx.db.kysely, { role: 'sales', active: true })
    : [await findUserRow(ctx.db.kysely, actor.id)].filter((user) => user !== undefined);
  const userIds = users.map((user) => user.id);
  const [reachability, settings] = await Promise.all([reachabilityOfUsers(ctx, userIds), readSubscriptionSettings(ctx.db.kysely, userIds)]);
  const delivered = [...reachability.values()].flatMap((reach) => (reach.lastDelivered ? [reach.lastDelivered.notificationId] : []));
  const customers = await customersByNotification(ctx.db.kysely, delivered);
  return {
    items: users.flatMap((user) => {
      const reach = reachability.get(user.id);
      if (!reach) return [];
      const customerName = reach.lastDelivered ? customers.get(reach.lastDelivered.notificationId)?.[0]?.name : undefined;
      return [memberOf({ id: user.id, name: user.name, role: user.role }, reach, customerName, settings.get(user.id))];
    }),
  };
}
