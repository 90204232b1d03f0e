import type { AppContext } from '../context.js';
import { customersByNotification } from '../delivery/outbox/read.js';
import { findUserRow, listUserRows } from '../db/users-store.js';
import { canManageAssignments, type Actor } from './actor.js';
import { nextLeadText, reasonInWords, type NextLeadChannel } from './console-texts.js';
import { reachabilityOfUsers, type Reachability } from './reachability.js';
import type { Role } from './roles.js';

/** One salesperson on the console's team page: whether the next lead reaches them, and why not. */
export interface TeamMember {
  user: { id: string; name: string; role: Role };
  binding: { bound: boolean; since: string | null };
  /** Messages WeChat allows per lead template. */
  stock: Record<string, number>;
  /**
   * Templates they keep "总是保持以上选择". The phone knows (wx.getSetting), the CRM is not told: empty until the
   * kit reports it.
   */
  always: string[];
  /** Templates WeChat refused or they turned off, with nothing accepted since. */
  turnedOff: string[];
  wecom: { userId: string | null; reachable: boolean };
  lastDelivered: { at: string; customerName: string } | null;
  lastSkipped: { at: string; reason: string | null; reasonText: string | null } | null;
  nextLead: { reaches: boolean; channel: NextLeadChannel | null; text: string };
}

const CHANNEL_NAMES = { 'wechat-subscribe': 'wechat', wecom: 'wecom' } as const;

/** A row from what GET /api/users/:id/reachability judges, and the customer of the last delivery. */
function memberOf(user: TeamMember['user'], reach: Reachability, customerName: string | undefined): TeamMember {
  const channel = reach.expectedChannel ? CHANNEL_NAMES[reach.expectedChannel] : null;
  return {
    user,
    binding: { bound: reach.bound === true, since: reach.boundKnownSince },
    stock: Object.fromEntries(reach.acceptancesByTemplate.map((template) => [template.templateId, template.remaining])),
    always: [],
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
 * The console's team page: a manager or admin sees every active salesperson, a sales user themselves. Three
 * statements whatever the team's size (users, their reachability facts and stock, the last deliveries' customers).
 */
export async function consoleTeam(ctx: AppContext, actor: Actor): Promise<{ items: TeamMember[] }> {
  const users = canManageAssignments(actor)
    ? await listUserRows(ctx.db.kysely, { role: 'sales', active: true })
    : [await findUserRow(ctx.db.kysely, actor.id)].filter((user) => user !== undefined);
  const reachability = await reachabilityOfUsers(
    ctx,
    users.map((user) => user.id),
  );
  const delivered = [...reachability.values()].flatMap((reach) => (reach.lastDelivered ? [reach.lastDelivered.notificationId] : []));
  const customers = await customersByNotification(ctx.db.kysely, delivered);
  return {
    items: users.flatMap((user) => {
      const reach = reachability.get(user.id);
      if (!reach) return [];
      const customerName = reach.lastDelivered ? customers.get(reach.lastDelivered.notificationId)?.[0]?.name : undefined;
      return [memberOf({ id: user.id, name: user.name, role: user.role }, reach, customerName)];
    }),
  };
}
