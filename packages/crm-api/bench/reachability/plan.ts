import { DAY_MS, startOfBeijingDay } from '@leadnotify/contracts';
import { createRandom, type Random } from '../soak/random.js';

/** What the simulation assumes of a sales team; printed with the results and explained in docs/benchmarks.md. */
export interface Behaviour {
  salespeople: number;
  /** Working days simulated (Monday to Friday), 9:00–18:00 Beijing time. */
  days: number;
  /** Mean leads per salesperson per working day; a day's count is drawn around it (Poisson of a gamma-drawn rate). */
  leadsPerDay: number;
  /** Share of working days with no lead at all for a salesperson. */
  quietDayShare: number;
  /** Most leads one salesperson gets in a day. */
  maxLeadsPerDay: number;
  /** The four assignment operations' shares (a batch hands 2–5 of a salesperson's leads at once). */
  operations: { web: number; miniprogram: number; batch: number; pool: number };
  /** Opens of the mini program a day, drawn per person (their habit) from this range. */
  opensPerDay: [number, number];
  /** Chance they open a message soon after it arrives (per-person habit range), and how soon (minutes). */
  readsMessage: [number, number];
  readDelayMinutes: [number, number];
  /** Ordinary taps in one visit (open a customer, the list, …). */
  tapsPerVisit: [number, number];
  /** Chance they tap the subscribe button in a visit (per-person habit range). */
  buttonPerVisit: [number, number];
  /** Chance they accept a dialog. */
  acceptsDialog: number;
  /** Share who tick "总是保持以上选择" in their first dialog (and keep it). */
  alwaysShare: number;
  /** One salesperson turns notifications off for this many working days, from day 3; one never binds. */
  offWeekDays: number;
}

export const DEFAULT_BEHAVIOUR: Behaviour = {
  salespeople: 20,
  days: 22,
  leadsPerDay: 8,
  quietDayShare: 0.1,
  maxLeadsPerDay: 20,
  operations: { web: 0.45, miniprogram: 0.15, batch: 0.25, pool: 0.15 },
  opensPerDay: [1, 5],
  readsMessage: [0.3, 0.9],
  readDelayMinutes: [1, 30],
  tapsPerVisit: [1, 4],
  buttonPerVisit: [0.05, 0.4],
  acceptsDialog: 0.95,
  alwaysShare: 0.4,
  offWeekDays: 5,
};

export interface Salesperson {
  index: number;
  binds: boolean;
  keepsAlways: boolean;
  /** Working days (0-based) with notifications turned off: they turn them off in WeChat's settings at the start and
   * tap the button again after. */
  offDays: ReadonlySet<number>;
  readsMessage: number;
  readDelayMs: [number, number];
  buttonPerVisit: number;
  tapsPerVisit: [number, number];
}

export type PlannedEvent =
  | { at: number; kind: 'assign'; salesperson: number; operation: 'web' | 'miniprogram' | 'batch' | 'pool'; leads: number }
  | { at: number; kind: 'visit'; salesperson: number }
  | { at: number; kind: 'turn-off'; salesperson: number };

export interface MonthPlan {
  behaviour: Behaviour;
  seed: number;
  start: number;
  salespeople: Salesperson[];
  /** Assignments, visits and turn-offs at their simulated times, in order; visits after a message are added as it arrives. */
  events: PlannedEvent[];
  /** The Beijing day of each working day, for "by the end of the day". */
  dayStarts: number[];
  leads: number;
}

const HOUR_MS = 3_600_000;

/** Working days from the Monday after `from`, Beijing time. */
function workingDays(from: number, count: number): number[] {
  const days: number[] = [];
  let day = startOfBeijingDay(from) + DAY_MS;
  while (days.length < count) {
    // 1970-01-01 was a Thursday: (days since then + 4) % 7 is the weekday, 0 = Sunday.
    const weekday = (Math.floor((day + 8 * HOUR_MS) / DAY_MS) + 4) % 7;
    if (weekday >= 1 && weekday <= 5) days.push(day);
    day += DAY_MS;
  }
  return days;
}

/** A gamma-distributed draw of mean `shape × scale` (Marsaglia–Tsang), for a day's lead rate around the mean. */
function gamma(random: Random, shape: number, scale: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const normal = Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
    const v = (1 + c * normal) ** 3;
    if (v > 0 && Math.log(1 - random.next()) < 0.5 * normal * normal + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}

function poisson(random: Random, mean: number): number {
  const limit = Math.exp(-mean);
  let count = 0;
  for (let product = random.next(); product > limit; product *= random.next()) count++;
  return count;
}

/** The month, drawn from the seed: the same seed gives the same team, leads and visits for every design step. */
export function planMonth(behaviour: Behaviour, seed: number, from: number): MonthPlan {
  const habits = createRandom(seed, 'habits');
  const dayStarts = workingDays(from, behaviour.days);
  const keepers = new Set(habits.shuffle(Array.from({ length: behaviour.salespeople - 2 }, (_, index) => index)).slice(0, Math.round(behaviour.alwaysShare * behaviour.salespeople)));
  const offIndex = behaviour.salespeople - 2;
  const salespeople: Salesperson[] = Array.from({ length: behaviour.salespeople }, (_, index) => ({
    index,
    binds: index !== behaviour.salespeople - 1,
    keepsAlways: keepers.has(index),
    offDays: new Set(index === offIndex ? Array.from({ length: Math.min(behaviour.offWeekDays, Math.max(0, behaviour.days - 3)) }, (_, day) => 2 + day) : []),
    readsMessage: habits.between(...behaviour.readsMessage),
    readDelayMs: [behaviour.readDelayMinutes[0] * 60_000, behaviour.readDelayMinutes[1] * 60_000],
    buttonPerVisit: habits.between(...behaviour.buttonPerVisit),
    tapsPerVisit: behaviour.tapsPerVisit,
  }));

  const events: PlannedEvent[] = [];
  let leads = 0;
  const work = createRandom(seed, 'work');
  const within = (dayStart: number) => dayStart + 9 * HOUR_MS + Math.floor(work.next() * 9 * HOUR_MS);
  for (const [dayIndex, dayStart] of dayStarts.entries()) {
    for (const person of salespeople) {
      if (dayIndex === [...person.offDays][0]) events.push({ at: dayStart + 9 * HOUR_MS, kind: 'turn-off', salesperson: person.index });
      const opens = work.integer(...behaviour.opensPerDay);
      for (let open = 0; open < opens; open++) events.push({ at: within(dayStart), kind: 'visit', salesperson: person.index });
      const count = work.chance(behaviour.quietDayShare) ? 0 : Math.min(behaviour.maxLeadsPerDay, poisson(work, gamma(work, 2, behaviour.leadsPerDay / 2)));
      let left = count;
      while (left > 0) {
        const operation = work.weighted(behaviour.operations);
        const size = operation === 'batch' ? Math.min(left, work.integer(2, 5)) : 1;
        events.push({ at: within(dayStart), kind: 'assign', salesperson: person.index, operation, leads: size });
        left -= size;
        leads += size;
      }
    }
  }
  events.sort((a, b) => a.at - b.at);
  return { behaviour, seed, start: dayStarts[0] as number, salespeople, events, dayStarts, leads };
}
