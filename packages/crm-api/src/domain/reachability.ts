import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import { readReachabilityRows, readTemplateStock, type ReachabilityRow, type TemplateStockRow } from '../db/reachability-store.js';
import { listUserRows } from '../db/users-store.js';
import { canManageAssignments, type Actor } from './actor.js';
import { DomainError } from './errors.js';

/** Whether the next lead would reach the salesperson, as far as WeChat has told the CRM. */
export const EXPECTATIONS = ['reachable', 'unreachable: NOT_BOUND', 'unreachable: NO_SUBSCRIPTION', 'unknown'] as const;
export type Expectation = (typeof EXPECTATIONS)[number];

export interface Reachability {
  userId: string;
  /** null: WeChat has not told us yet (no delivery attempted, no push). */
  bound: boolean | null;
  /** When WeChat first showed the binding (a message went to their openid, or a push came from it). */
  boundKnownSince: string | null;
  /** Messages WeChat allows, as its pushes told us, with every lead template; null without any push. */
  acceptancesInStock: number | null;
  /** The same per lead template (each acceptance allows one message with its template). */
  acceptancesByTemplate: TemplateStock[];
  /** The user turned lead notifications off in WeChat, or WeChat refused (43101), and nothing was accepted since. */
  turnedOff: boolean;
  /** Their phone last showed every subscribe message off (wx.getSetting mainSwitch false, reported by the kit). */
  mainSwitchOff: boolean;
  lastDelivered: { notificationId: string; at: string } | null;
  lastSkipped: { notificationId: string; at: string; reason: string | null } | null;
  /** The WeCom (企业微信) userid an admin set; null: the second channel cannot reach them. */
  wecomUserId: string | null;
  /** WeCom is configured, they have a userid, and WeCom has not refused it since their last message. */
  wecomReachable: boolean;
  /** Over every configured channel: reachable when one of them is. */
  expected: Expectation;
  /** The channel the next lead will go out on, when that is known. */
  expectedChannel: DeliveryChannel | null;
}

/** The channels a lead can go out on (NOTIFY_CHANNELS). */
export type DeliveryChannel = 'wechat-subscribe' | 'wecom';

/** The channels of NOTIFY_CHANNELS this service has configured, in their order: WeCom only with its WECOM_* set. */
export function configuredChannels(config: Pick<Config, 'NOTIFY_CHANNELS' | 'WECOM_CORP_ID'>): DeliveryChannel[] {
  return config.NOTIFY_CHANNELS.filter((channel) => channel !== 'wecom' || config.WECOM_CORP_ID !== undefined);
}

export interface TemplateStock {
  templateId: string;
  remaining: number;
  /** WeChat refused (43101) or the user turned it off, and nothing was accepted since. */
  refused: boolean;
  updatedAt: string;
}

/** What the CRM has been told about whether a salesperson can receive a message. */
export interface ReachabilityFacts {
  /** The function's counts as it last answered, less the deliveries made to the user since, over every template. */
  subscription: { remaining: number; refused: boolean; updatedAt: string } | undefined;
  /** The same per template; empty where only the total was read (an assignment's expectation). */
  templates: TemplateStock[];
  lastDelivered: { notificationId: string; at: string } | undefined;
  lastSkipped: { notificationId: string; at: string; reason: string | null } | undefined;
  /**
   * The newest skip of a channel the chain passed over (the subscribe message's NOT_BOUND before WeCom delivered the
   * lead): what that channel said of them, although the lead ended elsewhere.
   */
  lastPassedOver?: { at: string; reason: string } | undefined;
  /** When WeChat first named this user's openid to us (a send went to it, or a push came from it). */
  firstSeenBound: string | undefined;
  /** When an admin last released their WeChat binding. */
  releasedAt: string | undefined;
  wecomUserId: string | null;
  /** When the phone last reported every subscribe message off (mainSwitch false); undefined when on or never reported. */
  mainSwitchOffAt?: string | undefined;
}

/** The facts in what the database read (db/reachability-store.ts). */
export function factsOf(row: ReachabilityRow, templateRows: readonly TemplateStockRow[] = []): ReachabilityFacts {
  // Where the templates were read, the total is theirs: two statements could each see another moment of a push.
  const subscription =
    templateRows.length > 0
      ? {
          remaining: templateRows.reduce((sum, template) => sum + Number(template.remaining), 0),
          refused: templateRows.every((template) => Number(template.refused) === 1),
          updatedAt: templateRows.map((template) => template.updated_at).sort().at(-1) as string,
        }
      : row.subscription_updated_at !== null
      ? {
          remaining: Number(row.subscription_remaining ?? 0),
          refused: Number(row.subscription_refused) === 1,
          updatedAt: row.subscription_updated_at,
        }
      : undefined;
  return {
    subscription,
    templates: templateRows.map((template) => ({
      templateId: template.template_id,
      remaining: Number(template.remaining),
      refused: Number(template.refused) === 1,
      updatedAt: template.updated_at,
    })),
    lastDelivered: row.delivered_id !== null && row.delivered_at !== null ? { notificationId: row.delivered_id, at: row.delivered_at } : undefined,
    lastSkipped: row.skipped_id !== null && row.skipped_at !== null ? { notificationId: row.skipped_id, at: row.skipped_at, reason: row.skipped_reason } : undefined,
    lastPassedOver: row.passed_over_reason !== null && row.passed_over_at !== null ? { at: row.passed_over_at, reason: row.passed_over_reason } : undefined,
    firstSeenBound: row.first_sent_to_openid ?? subscription?.updatedAt ?? undefined,
    releasedAt: row.released_at ?? undefined,
    wecomUserId: row.wecom_user_id,
    mainSwitchOffAt: row.main_switch_off_at ?? undefined,
  };
}

/** The decision, from the facts alone (no I/O): the newest word wins. `channels`: configuredChannels(config). */
export function judgeReachability(userId: string, facts: ReachabilityFacts, channels: readonly DeliveryChannel[] = ['wechat-subscribe']): Reachability {
  const { subscription } = facts;
  const newerThan = (at: string | undefined, than: string) => at !== undefined && at > than;
  // Each channel's newest skip, whether the lead ended skipped or went on to the next channel (one row can carry both).
  const skips = [facts.lastSkipped, facts.lastPassedOver].filter((skip) => skip !== undefined);
  const newestSkip = (reasons: readonly string[]) => skips.filter((skip) => reasons.includes(skip.reason ?? '')).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).at(-1);
  const subscribeSkip = newestSkip(['NOT_BOUND', 'NO_SUBSCRIPTION']);
  const wecomSkip = newestSkip(['WECOM_USER_INVALID']);
  // A NOT_BOUND skip, or an admin's release of the binding, stands until WeChat shows a binding after it (a message went
  // out, or a push came).
  const unboundAt = [subscribeSkip?.reason === 'NOT_BOUND' ? subscribeSkip.at : undefined, facts.releasedAt].filter((at): at is string => at !== undefined).sort().at(-1);
  const notBound = unboundAt !== undefined && !newerThan(facts.lastDelivered?.at, unboundAt) && !newerThan(subscription?.updatedAt, unboundAt);
  const bound = notBound ? false : facts.firstSeenBound !== undefined || subscription !== undefined ? true : null;
  const turnedOff = subscription?.refused === true && subscription.remaining === 0;
  // Nothing left: WeChat refused (43101) and nothing was accepted since, or the pushed count is used up.
  const refusedAt = subscribeSkip?.reason === 'NO_SUBSCRIPTION' ? subscribeSkip.at : undefined;
  const acceptedSinceRefusal = subscription !== undefined && subscription.remaining > 0 && (refusedAt === undefined || subscription.updatedAt > refusedAt);
  // With the main switch off WeChat delivers no subscribe message at all, whatever was accepted (wx.getSetting's doc).
  const mainSwitchOff = facts.mainSwitchOffAt !== undefined;
  const noneLeft = mainSwitchOff || turnedOff || (refusedAt !== undefined && !acceptedSinceRefusal) || subscription?.remaining === 0;
  let bySubscription: Expectation = 'unknown';
  if (bound === false) bySubscription = 'unreachable: NOT_BOUND';
  else if (noneLeft) bySubscription = 'unreachable: NO_SUBSCRIPTION';
  else if (bound === true) bySubscription = 'reachable';
  // WeCom needs no consent: a userid it has not refused since the last message reaches them.
  const wecomRefused = wecomSkip !== undefined && !newerThan(facts.lastDelivered?.at, wecomSkip.at);
  const wecomReachable = channels.includes('wecom') && facts.wecomUserId !== null && !wecomRefused;
  let expected = bySubscription;
  let expectedChannel: DeliveryChannel | null = bySubscription === 'reachable' ? 'wechat-subscribe' : null;
  for (const channel of channels) {
    if (channel === 'wechat-subscribe' && bySubscription !== 'unreachable: NOT_BOUND' && bySubscription !== 'unreachable: NO_SUBSCRIPTION') {
      // Reachable, or unknown: the subscribe message is tried first; WeCom, if after it, catches what it cannot.
      expectedChannel = bySubscription === 'reachable' ? 'wechat-subscribe' : null;
      if (wecomReachable) expected = 'reachable';
      break;
    }
    if (channel === 'wecom' && wecomReachable) {
      expected = 'reachable';
      expectedChannel = 'wecom';
      break;
    }
  }
  if (!channels.includes('wechat-subscribe')) {
    expected = wecomReachable ? 'reachable' : 'unknown';
    expectedChannel = wecomReachable ? 'wecom' : null;
  }
  return {
    userId,
    bound,
    boundKnownSince: bound ? (facts.firstSeenBound ?? null) : null,
    acceptancesInStock: subscription ? subscription.remaining : null,
    acceptancesByTemplate: facts.templates,
    turnedOff,
    mainSwitchOff,
    lastDelivered: facts.lastDelivered ?? null,
    lastSkipped: facts.lastSkipped ?? null,
    wecomUserId: facts.wecomUserId,
    wecomReachable,
    expected,
    expectedChannel,
  };
}

/** By user id, read in one statement; users that do not exist are absent. */
export async function reachabilityOfUsers(ctx: AppContext, userIds: readonly string[]): Promise<Map<string, Reachability>> {
  const [rows, templates] = await Promise.all([readReachabilityRows(ctx.db.kysely, userIds), readTemplateStock(ctx.db.kysely, userIds)]);
  const channels = configuredChannels(ctx.config);
  return new Map([...rows].map(([userId, row]) => [userId, judgeReachability(userId, factsOf(row, templates.get(userId)), channels)]));
}

/** How many active salespeople the next lead would reach, or not and why: what /metrics shows a manager. */
export async function salespeopleByExpectation(ctx: AppContext): Promise<Map<Expectation, number>> {
  const salespeople = await listUserRows(ctx.db.kysely, { role: 'sales', active: true });
  const rows = await readReachabilityRows(ctx.db.kysely, salespeople.map((user) => user.id));
  const counts = new Map<Expectation, number>(EXPECTATIONS.map((expected) => [expected, 0]));
  const channels = configuredChannels(ctx.config);
  for (const [userId, row] of rows) {
    const { expected } = judgeReachability(userId, factsOf(row), channels);
    counts.set(expected, (counts.get(expected) ?? 0) + 1);
  }
  return counts;
}

/** A manager or admin sees anyone's; a sales user their own. */
export async function getReachability(ctx: AppContext, actor: Actor, userId: string): Promise<Reachability> {
  if (userId !== actor.id && !canManageAssignments(actor)) {
    throw new DomainError({ code: 'FORBIDDEN', message: "Only managers and admins may see another user's reachability" });
  }
  const reachability = (await reachabilityOfUsers(ctx, [userId])).get(userId);
  if (!reachability) throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${userId}` });
  return reachability;
}
