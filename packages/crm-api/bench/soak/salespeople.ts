import { HOST_TEMPLATES, type SoakWechat } from './cluster.js';
import type { Random } from './random.js';
import type { StopSignal } from './stop-signal.js';

/**
 * How a salesperson uses WeChat: `steady` taps subscribe often enough to keep stock; `scarce` seldom taps, runs
 * out (their notifications are skipped) and catches up when they next accept; `late` binds only some time into
 * the run (until then NOT_BOUND).
 */
type Profile = 'steady' | 'scarce' | 'late';
const PROFILE_WEIGHTS: Readonly<Record<Profile, number>> = { steady: 0.6, scarce: 0.25, late: 0.15 };
/** Dialogs answered per second per salesperson, by profile. */
const TAPS_PER_S: Readonly<Record<Profile, number>> = { steady: 0.2, scarce: 0.02, late: 0.2 };
/** Per salesperson per second: turning our template or a host template off in the settings; a host-only dialog; a message from the host app. */
const TURN_OFF_PER_S = 0.004;
const HOST_DIALOG_PER_S = 0.04;
const HOST_MESSAGE_PER_S = 0.05;

interface Salesperson {
  id: string;
  openid: string;
  profile: Profile;
  bound: boolean;
  /** When a `late` salesperson binds, ms after the start. */
  bindsAfterMs: number;
}

export interface SalespeopleCounts {
  binds: number;
  dialogs: number;
  ourAccepts: number;
  ourRejects: number;
  hostDialogs: number;
  turnOffs: { ours: number; host: number };
  hostMessages: { delivered: number; refused: number };
  /** Emulator control calls that failed (the emulator itself is never faulted: this should stay 0). */
  controlErrors: number;
}

/**
 * The salespeople on their phones and the host mini program around our pages: binding, answering subscribe
 * dialogs (ours, the host's, or both in one), turning templates off, and the host app's own messages, whose
 * delivery receipts WeChat pushes to the same server as ours.
 */
export function createSalespeople(options: { wechat: SoakWechat; salesIds: string[]; random: Random }) {
  const { wechat, random } = options;
  const people: Salesperson[] = options.salesIds.map((id) => {
    const profile = random.weighted(PROFILE_WEIGHTS);
    return { id, openid: `emu-openid-${id}`, profile, bound: false, bindsAfterMs: profile === 'late' ? random.between(10_000, 40_000) : 0 };
  });
  const counts: SalespeopleCounts = { binds: 0, dialogs: 0, ourAccepts: 0, ourRejects: 0, hostDialogs: 0, turnOffs: { ours: 0, host: 0 }, hostMessages: { delivered: 0, refused: 0 }, controlErrors: 0 };
  const ours = wechat.ourTemplateId;

  async function control(method: string, path: string, body?: unknown): Promise<any> {
    try {
      return await wechat.control(method, path, body);
    } catch {
      counts.controlErrors++;
      return undefined;
    }
  }

  async function bind(person: Salesperson): Promise<void> {
    await control('POST', '/bindings', { crmUserId: person.id, openid: person.openid });
    person.bound = true;
    counts.binds++;
  }

  /** `dialogs` subscribe dialogs; each accepts ours (mostly), some also name a host template. WeChat pushes one event per dialog. */
  async function tap(person: Salesperson, dialogs: number): Promise<void> {
    const results = Array.from({ length: dialogs }, () => {
      const answer = random.chance(0.9) ? 'accept' : 'reject';
      if (answer === 'accept') counts.ourAccepts++;
      else counts.ourRejects++;
      if (!random.chance(0.25)) return answer;
      return { [ours]: answer, [random.pick(HOST_TEMPLATES).id]: random.chance(0.8) ? 'accept' : 'reject' };
    });
    counts.dialogs += dialogs;
    await control('POST', `/users/${person.openid}/subscribe-popup`, { results });
  }

  async function hostDialog(person: Salesperson): Promise<void> {
    counts.hostDialogs++;
    await control('POST', `/users/${person.openid}/subscribe-popup`, { templateId: random.pick(HOST_TEMPLATES).id, results: [random.chance(0.85) ? 'accept' : 'reject'] });
  }

  async function turnOff(person: Salesperson): Promise<void> {
    const host = random.chance(0.5);
    if (host) counts.turnOffs.host++;
    else counts.turnOffs.ours++;
    await control('POST', `/users/${person.openid}/turn-off`, { templateId: host ? random.pick(HOST_TEMPLATES).id : ours });
  }

  /** The host app's server sends one of its own messages; without an acceptance of that template WeChat refuses it (43101). */
  async function hostMessage(person: Salesperson): Promise<void> {
    const template = random.pick(HOST_TEMPLATES);
    const data = template.id === 'host-order-shipped'
      ? { thing1: { value: '订单已发货' }, character_string2: { value: `SO${random.integer(100000, 999999)}` } }
      : { thing1: { value: '客户回访提醒' }, time2: { value: '2026-11-27 15:30' } };
    const answer = await control('POST', '/host-messages', { openid: person.openid, templateId: template.id, data });
    if (answer?.msgId) counts.hostMessages.delivered++;
    else counts.hostMessages.refused++;
  }

  /** Before traffic: the bound salespeople and their first acceptances (steady ones 12–20, scarce ones 1–3), and some host ones. */
  async function prepare(): Promise<void> {
    for (const person of people) {
      if (person.profile === 'late') continue;
      await bind(person);
      await tap(person, person.profile === 'steady' ? random.integer(12, 20) : random.integer(1, 3));
      await hostDialog(person);
    }
  }

  /** Once a second until the soak stops: each salesperson may bind, tap, turn something off, or get a host message. */
  async function run(stop: StopSignal): Promise<void> {
    const startedAt = Date.now();
    while (await stop.sleep(1000)) {
      const elapsed = Date.now() - startedAt;
      for (const person of people) {
        if (!person.bound) {
          if (elapsed >= person.bindsAfterMs) {
            await bind(person);
            await tap(person, random.integer(2, 5));
          }
          continue;
        }
        if (random.chance(TAPS_PER_S[person.profile])) await tap(person, random.integer(1, 3));
        if (random.chance(HOST_DIALOG_PER_S)) await hostDialog(person);
        if (random.chance(TURN_OFF_PER_S)) await turnOff(person);
        if (random.chance(HOST_MESSAGE_PER_S)) await hostMessage(person);
      }
    }
  }

  return {
    counts,
    profiles: () => Object.fromEntries(people.map((person) => [person.id, person.profile])),
    prepare,
    run,
  };
}
