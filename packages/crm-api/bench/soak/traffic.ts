import type { SoakProcess } from './cluster.js';
import type { Random } from './random.js';
import { wallNow, type StopSignal } from './stop-signal.js';

/** The five ways a customer changes owner: the four assignment operations, and a release back to the pool. */
export type Operation = 'web' | 'miniprogram' | 'batch' | 'pool' | 'release';

const OPERATION_WEIGHTS: Readonly<Record<Operation, number>> = { web: 0.3, miniprogram: 0.15, batch: 0.12, pool: 0.25, release: 0.18 };
/** How often an operation takes a customer that changed owner in the last RECENT_MS: what catches a message in flight. */
const RECENT_SHARE = 0.5;
const RECENT_MS = 5000;
/** Requests the soak keeps open at once; beyond that an operation is left out (counted), so a stalled API cannot pile up thousands. */
const MAX_IN_FLIGHT = 64;
/** A manager handing out a batch of new leads one by one: this many assignments, one every BURST_GAP_MS. */
const BURST_SIZE = { min: 30, max: 50 };
const BURST_GAP_MS = 40;
/** A share of handed-out leads the manager gives to someone else moments later, as one does when correcting a slip. */
const CORRECTION_SHARE = 0.25;
const CORRECTION_AFTER_MS = { min: 300, max: 2000 };
const REQUEST_TIMEOUT_MS = 15_000;

/** One request the soak made, with when it left and when its answer came back: the commit happened in between. */
export interface RequestRecord {
  operation: Operation;
  api: string;
  customerIds: string[];
  /** null for a release. */
  assigneeId: string | null;
  sentAtMs: number;
  receivedAtMs?: number;
  /** HTTP status; 0 when no answer came (API down, killed, timed out). */
  status: number;
  error?: string;
  changedIds: string[];
}

/** The CRM as the soak sees it from its answers: who owns which customer, and what changed lately. */
export interface CrmView {
  managerToken: string;
  salesIds: string[];
  salesTokens: Map<string, string>;
  ownerOf: Map<string, string | null>;
  recentChanges: Array<{ customerId: string; atMs: number }>;
}

export function createCrmView(managerToken: string, salesTokens: Map<string, string>, customerIds: string[]): CrmView {
  return { managerToken, salesIds: [...salesTokens.keys()], salesTokens, ownerOf: new Map(customerIds.map((id) => [id, null])), recentChanges: [] };
}

interface Planned {
  operation: Operation;
  path: string;
  token: string;
  body: unknown;
  customerIds: string[];
  assigneeId: string | null;
}

/**
 * Open-loop assignment traffic: operations at `ratePerS` on average (exponential gaps), each sent whatever the
 * previous ones are doing, to a random running API. Half the time an operation takes a customer that changed
 * owner in the last few seconds and moves it to someone else — a message about it may be in flight. On top, every
 * `burstEveryS` a manager hands out 30–50 leads one by one within two seconds — more notifications than the notifier
 * sends in one round trip, so it claims (and checks) batches ahead of sending them — and gives a quarter of them to
 * someone else 0.3–2 s later.
 */
export function startAssignmentTraffic(options: {
  view: CrmView;
  apis: SoakProcess[];
  random: Random;
  ratePerS: number;
  burstEveryS: { min: number; max: number };
  stop: StopSignal;
}) {
  const { view, random, stop } = options;
  const records: RequestRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  let leftOut = 0;

  function dispatch(planned: Planned | undefined): void {
    if (!planned) return;
    if (inFlight.size >= MAX_IN_FLIGHT) {
      leftOut++;
      return;
    }
    const request = send(planned).finally(() => inFlight.delete(request));
    inFlight.add(request);
  }

  const steady = (async () => {
    while (await stop.sleep(-Math.log(1 - random.next()) * (1000 / options.ratePerS))) dispatch(planOperation(view, random));
  })();
  const handOuts = new Set<Promise<void>>();
  /** One manager's handout of 30–50 leads, some corrected moments later. */
  async function handOutLeads(): Promise<void> {
    const size = random.integer(BURST_SIZE.min, BURST_SIZE.max);
    for (let index = 0; index < size; index++) {
      const handout = planLeadHandout(view, random);
      dispatch(handout);
      if (handout && random.chance(CORRECTION_SHARE)) {
        const correction = planCorrection(view, random, handout);
        void stop.sleep(random.between(CORRECTION_AFTER_MS.min, CORRECTION_AFTER_MS.max)).then((going) => going && dispatch(correction));
      }
      if (!(await stop.sleep(BURST_GAP_MS))) break;
    }
  }
  const startHandout = () => {
    const running = handOutLeads().finally(() => handOuts.delete(running));
    handOuts.add(running);
  };
  const bursts = (async () => {
    while (await stop.sleep(random.between(options.burstEveryS.min, options.burstEveryS.max) * 1000)) startHandout();
  })();

  async function send(planned: Planned): Promise<void> {
    const routable = options.apis.filter((api) => api.running());
    const api = routable.length > 0 ? random.pick(routable) : undefined;
    const record: RequestRecord = { operation: planned.operation, api: api?.name ?? '-', customerIds: planned.customerIds, assigneeId: planned.assigneeId, sentAtMs: wallNow(), status: 0, changedIds: [] };
    records.push(record);
    if (!api) {
      record.error = 'no API running';
      return;
    }
    try {
      const response = await fetch(`${api.url()}${planned.path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${planned.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(planned.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = (await response.json().catch(() => undefined)) as Record<string, any> | undefined;
      record.receivedAtMs = wallNow();
      record.status = response.status;
      if (response.ok && body) applyAnswer(view, planned, body, record);
      else record.error = String(body?.error?.code ?? response.status);
    } catch (error) {
      record.receivedAtMs = undefined;
      record.error = error instanceof Error ? (error.cause as { code?: string } | undefined)?.code ?? error.name : String(error);
    }
  }

  return {
    records,
    leftOut: () => leftOut,
    /** A handout now, besides the periodic ones (the soak starts one as WeChat turns slow). */
    handOutLeads: startHandout,
    /** Resolves once both loops have stopped and every request they made has its answer (or none). */
    async finished(): Promise<void> {
      await Promise.all([steady, bursts]);
      await Promise.allSettled([...handOuts]);
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** The next operation and its customers; a pool claim with the pool empty (or a release with nobody's customer) becomes a web assignment. */
function planOperation(view: CrmView, random: Random): Planned | undefined {
  const operation = random.weighted(OPERATION_WEIGHTS);
  const recent = random.chance(RECENT_SHARE);
  const manager = view.managerToken;
  if (operation === 'pool') {
    const customerId = pickCustomer(view, random, (owner) => owner === null, false);
    const claimer = random.pick(view.salesIds);
    // Half the time a sales user claims for themselves with no body (the pool rules apply; nobody is told of their own
    // claim), half the time a manager hands the pool customer out (a message follows).
    const path = `/api/pool/customers/${customerId}/assign`;
    if (customerId && random.chance(0.5)) return { operation, path, token: view.salesTokens.get(claimer)!, body: {}, customerIds: [customerId], assigneeId: claimer };
    if (customerId) return { operation, path, token: manager, body: { assigneeId: claimer }, customerIds: [customerId], assigneeId: claimer };
  }
  if (operation === 'release') {
    const customerId = pickCustomer(view, random, (owner) => owner !== null, recent);
    if (customerId) return { operation, path: `/api/customers/${customerId}/release`, token: manager, body: {}, customerIds: [customerId], assigneeId: null };
  }
  if (operation === 'batch') {
    const assigneeId = random.pick(view.salesIds);
    const count = random.integer(2, 6);
    const customerIds = [...new Set(Array.from({ length: count }, () => pickCustomer(view, random, (owner) => owner !== assigneeId, random.chance(RECENT_SHARE))))].filter(
      (id): id is string => id !== undefined,
    );
    if (customerIds.length > 0) return { operation, path: '/api/customers/batch-assign', token: manager, body: { customerIds, assigneeId }, customerIds, assigneeId };
  }
  const single: Operation = operation === 'miniprogram' ? 'miniprogram' : 'web';
  const customerId = pickCustomer(view, random, () => true, recent);
  if (!customerId) return undefined;
  const owner = view.ownerOf.get(customerId) ?? null;
  const assigneeId = random.pick(view.salesIds.filter((id) => id !== owner));
  const path = single === 'miniprogram' ? `/api/miniprogram/customers/${customerId}/assign` : `/api/customers/${customerId}/assign`;
  return { operation: single, path, token: manager, body: { assigneeId }, customerIds: [customerId], assigneeId };
}

/** A new lead (a pool customer, or any when the pool is empty) assigned on the web to a salesperson. */
function planLeadHandout(view: CrmView, random: Random): Planned | undefined {
  const customerId = pickCustomer(view, random, (owner) => owner === null, false) ?? pickCustomer(view, random, () => true, false);
  if (!customerId) return undefined;
  const owner = view.ownerOf.get(customerId) ?? null;
  const assigneeId = random.pick(view.salesIds.filter((id) => id !== owner));
  return { operation: 'web', path: `/api/customers/${customerId}/assign`, token: view.managerToken, body: { assigneeId }, customerIds: [customerId], assigneeId };
}

/** The same customer as `handout`, to another salesperson. */
function planCorrection(view: CrmView, random: Random, handout: Planned): Planned {
  const assigneeId = random.pick(view.salesIds.filter((id) => id !== handout.assigneeId));
  return { ...handout, body: { assigneeId }, assigneeId };
}

/** A customer whose owner (as the soak last heard) passes `fits`: one that changed owner lately when `recent`, else any. */
function pickCustomer(view: CrmView, random: Random, fits: (owner: string | null) => boolean, recent: boolean): string | undefined {
  if (recent) {
    const since = wallNow() - RECENT_MS;
    while (view.recentChanges.length > 0 && view.recentChanges[0]!.atMs < since) view.recentChanges.shift();
    const candidates = view.recentChanges.filter((change) => fits(view.ownerOf.get(change.customerId) ?? null));
    if (candidates.length > 0) return random.pick(candidates).customerId;
  }
  const ids = [...view.ownerOf.keys()];
  for (let tries = 0; tries < 20; tries++) {
    const id = random.pick(ids);
    if (fits(view.ownerOf.get(id) ?? null)) return id;
  }
  return undefined;
}

/** What the answer says each customer's owner is now, and which ones changed. */
function applyAnswer(view: CrmView, planned: Planned, body: Record<string, any>, record: RequestRecord): void {
  const now = wallNow();
  const outcome = planned.operation === 'miniprogram' ? body.data : body;
  const customers: Array<{ id: string; ownerId: string | null }> = outcome?.customers ?? (outcome?.customer ? [outcome.customer] : []);
  const changed: string[] =
    outcome?.changedIds ?? (planned.operation === 'release' ? planned.customerIds : outcome?.changed ? [outcome.customer.id] : []);
  for (const customer of customers) view.ownerOf.set(customer.id, customer.ownerId);
  for (const id of changed) view.recentChanges.push({ customerId: id, atMs: now });
  record.changedIds = changed;
}
