import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { DAY_MS, startOfBeijingDay } from '@leadnotify/contracts';
import { startLocalWechat, type LocalWechat, type TemplateDefinition } from '@leadnotify/wechat-emulator';
import { loadConfig } from '../../src/config.js';
import { createApiToken } from '../../src/domain/api-tokens.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { seedBenchDb } from '../seed-bench.js';
import { createRandom, type Random } from '../soak/random.js';
import type { MonthPlan, PlannedEvent, Salesperson } from './plan.js';

/** One design step: which templates the mini program asks for, and whether ordinary taps top the stock up. */
export interface Design {
  name: string;
  templates: TemplateDefinition[];
  silentTopUp: boolean;
  /** WeCom as the second channel: every salesperson who binds has a WeCom userid the application reaches. */
  wecom: boolean;
}

export interface DesignResult {
  design: string;
  leads: number;
  /** Of the leads, those of salespeople WeCom reaches (the design's), and how many of theirs were heard within 60 s. */
  wecomLeads: number;
  wecomWithin60s: number;
  within60s: number;
  within1h: number;
  byEndOfDay: number;
  never: number;
  dialogsShown: number;
  silentRequests: number;
  messages: number;
  /** Wall-clock seconds the month took to simulate. */
  seconds: number;
}

const PUSH = { token: 'reachabilityBenchToken', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Lead {
  salesperson: number;
  assignedAt: number;
  receivedAt?: number;
}

/**
 * The month of `plan`, event by event on a simulated clock, through the real path: crm-api's four assignment routes
 * and notifier, the cloud function in the emulator, WeChat's pushes back to crm-api (acceptances, receipts, catch-up).
 * After each event the path is let settle; a message WeChat delivered then counts as received at that simulated time.
 * The salesperson's phone is the emulator's (dialogs, "always", silent requests); the kit's two moves — the button asks
 * for every template, an ordinary tap asks again when every template is kept "always" — are made as the kit makes them.
 */
export async function simulateDesign(design: Design, plan: MonthPlan, options: { pushSilentAcceptances: boolean }): Promise<DesignResult> {
  const started = performance.now();
  let now = plan.start;
  const clock = { now: () => now };
  const seeded = await seedBenchDb({ sales: plan.salespeople.length, customers: plan.leads + 10 });
  await seeded.db.close();
  const emulator = await startLocalWechat({ functionName: 'quickstartFunctions', templates: design.templates, now: clock.now });
  emulator.setSilentAcceptancePushes(options.pushSilentAcceptances);
  let running: RunningServer<LocalWechat> | undefined;
  try {
    running = await startServer<LocalWechat>(
      loadConfig({
        DATABASE_URL: seeded.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        ...emulator.env,
        ...(design.wecom
          ? {
              WECOM_CORP_ID: emulator.wecom.corp.corpId,
              WECOM_AGENT_ID: String(emulator.wecom.corp.agentId),
              WECOM_AGENT_SECRET: emulator.wecom.corp.agentSecret,
              WECOM_API_BASE_URL: emulator.url,
              WECOM_CARD_URL: WECOM_CARD_URL,
            }
          : {}),
        WECHAT_PUSH_TOKEN: PUSH.token,
        WECHAT_PUSH_AES_KEY: PUSH.encodingAesKey,
        NOTIFY_POLL_MS: '20',
      }),
      createLogger('error', new Writable({ write: (_chunk, _encoding, done) => done() })),
      { clock },
    );
    await emulator.configurePush({ url: `${running.url}/wechat/push`, ...PUSH, mode: 'safe' });
    const salesTokens = await Promise.all(seeded.salesIds.map((id) => createApiToken(running!.db.kysely, id, new Date(now))));
    const world = createWorld(running, emulator, design, plan, { manager: seeded.managerToken, sales: salesTokens }, seeded.salesIds, seeded.customerIds);
    for (const person of plan.salespeople) {
      if (!person.binds) continue;
      const id = seeded.salesIds[person.index] as string;
      await emulator.setupUser(id, 0, openidOf(person.index));
      if (design.wecom) {
        emulator.wecom.addMember(wecomUserIdOf(person.index));
        await running.db.kysely.updateTable('users').set({ wecom_user_id: wecomUserIdOf(person.index) }).where('id', '=', id).execute();
      }
    }

    const queue = [...plan.events];
    while (queue.length > 0) {
      const event = queue.shift() as PlannedEvent;
      now = Math.max(now, event.at);
      await world.apply(event, now);
      await world.settle(now);
      for (const visit of world.visitsAfterMessages(now)) insertByTime(queue, visit);
    }
    // The month's last word: a day later, with whatever the last visits left.
    now += DAY_MS;
    await world.settle(now);
    return world.result(performance.now() - started);
  } finally {
    await running?.stop();
    await emulator.stop();
    rmSync(dirname(seeded.url), { recursive: true, force: true });
  }
}

const openidOf = (index: number) => `bench-openid-${index}`;
const wecomUserIdOf = (index: number) => `bench-wecom-${index}`;
/** The WeCom card's link names the delivery, so a WeCom message is read back to its leads as a subscribe message is. */
const WECOM_CARD_URL = 'https://crm.bench.test/customers/{customerId}?deliveryId={deliveryId}';

function insertByTime(queue: PlannedEvent[], event: PlannedEvent): void {
  let low = 0;
  let high = queue.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((queue[middle] as PlannedEvent).at <= event.at) low = middle + 1;
    else high = middle;
  }
  queue.splice(low, 0, event);
}

function createWorld(
  running: RunningServer<LocalWechat>,
  emulator: LocalWechat,
  design: Design,
  plan: MonthPlan,
  tokens: { manager: string; sales: string[] },
  salesIds: string[],
  poolCustomers: string[],
) {
  const templateIds = design.templates.map((template) => template.id);
  const leads = new Map<string, Lead>();
  const salespersonOf = new Map(salesIds.map((id, index) => [id, index]));
  const pool = [...poolCustomers];
  const behaviour = createRandom(plan.seed, 'behaviour');
  const visits = new Map(plan.salespeople.map((person) => [person.index, createRandom(plan.seed, `visits-${person.index}`)]));
  const kept = new Set<number>();
  /** A salesperson who turned notifications off taps the button at their first visit after the off days. */
  const backFromOff = new Set<number>();
  let messagesSeen = 0;
  let wecomSeen = 0;
  let dialogsShown = 0;
  let silentRequests = 0;
  const pendingVisits: PlannedEvent[] = [];

  async function api(path: string, body: unknown, token = tokens.manager): Promise<void> {
    const response = await fetch(`${running.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  }

  /** The kit's two hints of what WeChat answered: to the function (recordSubscription), then to the CRM (catch-up). */
  async function report(person: number, results: Record<string, string>): Promise<void> {
    await fetch(`${emulator.url}/_emulator/miniprogram/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ openid: openidOf(person), event: { type: 'recordSubscription', results } }),
    });
    if (Object.values(results).includes('accept')) await api('/api/me/subscription-answers', { results }, tokens.sales[person]);
  }

  async function tapButton(person: Salesperson, random: Random): Promise<void> {
    const answer = random.chance(plan.behaviour.acceptsDialog) ? 'accept' : 'reject';
    // A salesperson who keeps their choice ticks the box the first time they accept.
    const keep = person.keepsAlways && answer === 'accept' && !kept.has(person.index);
    const outcome = emulator.requestSubscribe(openidOf(person.index), templateIds, answer, keep);
    if (keep && outcome.dialogShown) kept.add(person.index);
    if (outcome.dialogShown) dialogsShown++;
    else silentRequests++;
    await report(person.index, outcome.results);
  }

  /** The kit's silent top-up: an ordinary tap asks again only when every template is kept "always accept". */
  async function ordinaryTap(person: Salesperson): Promise<void> {
    if (!design.silentTopUp) return;
    const setting = emulator.subscriptionsSetting(openidOf(person.index));
    if (!setting.mainSwitch || !templateIds.every((id) => setting.itemSettings[id] === 'accept')) return;
    const outcome = emulator.requestSubscribe(openidOf(person.index), templateIds);
    silentRequests++;
    await report(person.index, outcome.results);
  }

  async function visit(person: Salesperson, at: number): Promise<void> {
    if (!person.binds) return;
    const random = visits.get(person.index) as Random;
    const day = plan.dayStarts.findIndex((start) => start === startOfBeijingDay(at));
    const off = person.offDays.has(day);
    if (!off && [...person.offDays].some((offDay) => offDay < day) && !backFromOff.has(person.index)) {
      backFromOff.add(person.index);
      await tapButton(person, random);
    } else if (!off && random.chance(person.buttonPerVisit)) {
      await tapButton(person, random);
    }
    const taps = random.integer(...person.tapsPerVisit);
    for (let tap = 0; tap < taps; tap++) await ordinaryTap(person);
  }

  async function assign(event: Extract<PlannedEvent, { kind: 'assign' }>, at: number): Promise<void> {
    const assigneeId = salesIds[event.salesperson] as string;
    const customers = pool.splice(0, event.leads);
    for (const customerId of customers) leads.set(customerId, { salesperson: event.salesperson, assignedAt: at });
    const [first] = customers;
    if (event.operation === 'batch') await api('/api/customers/batch-assign', { customerIds: customers, assigneeId });
    else if (event.operation === 'miniprogram') await api(`/api/miniprogram/customers/${first}/assign`, { assigneeId });
    else if (event.operation === 'pool') await api(`/api/pool/customers/${first}/assign`, { assigneeId });
    else await api(`/api/customers/${first}/assign`, { assigneeId });
  }

  return {
    async apply(event: PlannedEvent, at: number): Promise<void> {
      const person = plan.salespeople[event.salesperson] as Salesperson;
      if (event.kind === 'assign') await assign(event, at);
      else if (event.kind === 'visit') await visit(person, at);
      else if (person.binds) for (const templateId of templateIds) emulator.turnOff(openidOf(person.index), templateId);
    },

    /** Until WeChat's pushes are answered, every run of the function is over and crm-api has nothing due or in flight. */
    async settle(at: number): Promise<void> {
      const due = new Date(at).toISOString();
      for (let quiet = 0; quiet < 2; ) {
        await emulator.settlePushes();
        await emulator.runsFinished();
        const [outbox, pushes] = await Promise.all([
          running.db.kysely
            .selectFrom('notifications')
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .where((eb) => eb.or([eb('status', '=', 'sending'), eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', due)])]))
            .executeTakeFirstOrThrow(),
          running.db.kysely.selectFrom('wechat_pushes').select((eb) => eb.fn.countAll<number>().as('count')).where('applied_at', 'is', null).executeTakeFirstOrThrow(),
        ]);
        if (Number(outbox.count) + Number(pushes.count) === 0) quiet++;
        else {
          quiet = 0;
          running.context.wakeNotifier();
        }
        await sleep(quiet === 0 ? 5 : 2);
      }
      await this.receive(at);
    },

    /** Messages WeChat delivered since the last look: each names the customers of its delivery id. */
    async receive(at: number): Promise<void> {
      const subscribe = emulator.messages.slice(messagesSeen).map((message) => ({ link: message.page ?? '', person: Number(message.touser.slice('bench-openid-'.length)) }));
      messagesSeen = emulator.messages.length;
      const wecom = emulator.wecom.delivered.slice(wecomSeen).map((message) => ({ link: String(message.content.url ?? ''), person: Number(message.touser.slice('bench-wecom-'.length)) }));
      wecomSeen = emulator.wecom.delivered.length;
      for (const message of [...subscribe, ...wecom]) {
        const deliveryId = new URLSearchParams(message.link.split('?')[1] ?? '').get('deliveryId');
        if (!deliveryId) continue;
        const rows = await running.db.kysely
          .selectFrom('notifications as n')
          .innerJoin('notification_customers as nc', 'nc.notification_id', 'n.id')
          .select(['nc.customer_id', 'n.assignee_id'])
          .where('n.delivery_id', '=', deliveryId)
          .execute();
        for (const row of rows) {
          const lead = leads.get(row.customer_id);
          if (lead && lead.receivedAt === undefined && salespersonOf.get(row.assignee_id) === lead.salesperson) lead.receivedAt = at;
        }
        const person = plan.salespeople[message.person];
        // Some messages are opened soon after they arrive: a visit of its own.
        if (person && behaviour.chance(person.readsMessage)) {
          pendingVisits.push({ at: at + Math.floor(behaviour.between(...person.readDelayMs)), kind: 'visit', salesperson: person.index });
        }
      }
    },

    visitsAfterMessages(at: number): PlannedEvent[] {
      return pendingVisits.splice(0).filter((event) => event.at > at);
    },

    result(wallMs: number): DesignResult {
      const all = [...leads.values()];
      const within = (ms: (lead: Lead) => number, among = all) => among.filter((lead) => lead.receivedAt !== undefined && lead.receivedAt <= ms(lead)).length;
      const ofWecom = design.wecom ? all.filter((lead) => plan.salespeople[lead.salesperson]?.binds) : [];
      return {
        design: design.name,
        leads: all.length,
        wecomLeads: ofWecom.length,
        wecomWithin60s: within((lead) => lead.assignedAt + 60_000, ofWecom),
        within60s: within((lead) => lead.assignedAt + 60_000),
        within1h: within((lead) => lead.assignedAt + 3_600_000),
        byEndOfDay: within((lead) => startOfBeijingDay(lead.assignedAt) + DAY_MS),
        never: all.filter((lead) => lead.receivedAt === undefined).length,
        dialogsShown,
        silentRequests,
        messages: emulator.messages.length + emulator.wecom.delivered.length,
        seconds: Math.round(wallMs / 100) / 10,
      };
    },
  };
}
