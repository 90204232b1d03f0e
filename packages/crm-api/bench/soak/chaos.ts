import type { FaultSettings } from '@leadnotify/wechat-emulator';
import type { Cluster, SoakProcess, SoakWechat } from './cluster.js';
import type { Random } from './random.js';
import type { StopSignal } from './stop-signal.js';

/**
 * What WeChat does to us, one kind at a time, each within what shared WECHAT.md says WeChat really does:
 * - `answersLost`: HTTP 500, dropped connections and -1 that mostly come after the function ran (and sent);
 * - `sends1600`: every send takes 1.6 s (WeChat has it after 0.8 s), so a batch fits few under the 3 s limit;
 * - `sends3500Delivered`: sends take 3.5 s and WeChat had them after 1 s — the 3 s kill comes after delivery;
 * - `sends3500InTransit`: sends take 3.5 s and WeChat has them only at the end — the kill comes first: never arrived;
 * - `errorAfterSend`: the user got the message, the function hears -1;
 * - `offline`: every call refused or dropped before anything ran, for a few seconds;
 * - `tokenFaults`: every access token expires, again every 2 s (42001, then a new token);
 * - `calm`: nothing.
 */
export type ChaosPhase = 'answersLost' | 'sends1600' | 'sends3500Delivered' | 'sends3500InTransit' | 'errorAfterSend' | 'offline' | 'tokenFaults' | 'calm';

const PHASE_FAULTS: Readonly<Record<ChaosPhase, Partial<FaultSettings>>> = {
  answersLost: { http500Rate: 0.12, dropRate: 0.08, failureRate: 0.08, errcode: -1, afterRunShare: 0.8 },
  sends1600: { sendTransitMs: 800, sendLatencyMs: 800 },
  sends3500Delivered: { sendTransitMs: 1000, sendLatencyMs: 2500 },
  sends3500InTransit: { sendTransitMs: 3500 },
  errorAfterSend: { errorAfterSendRate: 0.3 },
  offline: { dropRate: 0.5, failureRate: 0.5, errcode: -1, afterRunShare: 0 },
  tokenFaults: {},
  calm: {},
};
/**
 * One round. Slow sends that still deliver come twice: while a round trip takes 1.6 s the notifier claims and checks
 * its next batch a round trip before sending it, and only a delivered message can show the check was stale.
 */
const ROUND: readonly ChaosPhase[] = [...(Object.keys(PHASE_FAULTS) as ChaosPhase[]), 'sends1600'];
const TOKEN_EXPIRY_EVERY_MS = 2000;

export interface ChaosLog {
  phases: Array<{ phase: ChaosPhase; startedAtMs: number; seconds: number }>;
  processEvents: Array<{ process: string; action: 'kill -9' | 'pause' | 'push target'; atMs: number; downMs?: number }>;
  tokenExpiries: number;
  /** A process that did not come back after a kill: the soak stops, since what follows would not be chaos but an outage. */
  restartFailures: string[];
}

/**
 * WeChat's faults in phases until the soak stops: every kind in a shuffled round (1.6 s sends twice), then
 * another round, each phase a few seconds long (offline shorter). Leaves the faults cleared.
 */
export async function runWechatChaos(options: {
  wechat: SoakWechat;
  random: Random;
  stop: StopSignal;
  quick: boolean;
  log: ChaosLog;
  /** Told as each phase begins, once its faults are in place. */
  onPhase?: (phase: ChaosPhase) => void;
}): Promise<void> {
  const { wechat, random, stop, log } = options;
  try {
    for (;;) {
      for (const phase of random.shuffle(ROUND)) {
        const seconds = phase === 'offline' ? random.between(3, 6) : options.quick ? random.between(4, 7) : random.between(7, 14);
        await wechat.control('DELETE', '/faults');
        await wechat.control('PUT', '/faults', PHASE_FAULTS[phase]);
        const entry = { phase, startedAtMs: Date.now(), seconds: 0 };
        log.phases.push(entry);
        options.onPhase?.(phase);
        const completed = await holdPhase(phase, entry.startedAtMs + seconds * 1000, wechat, stop, log);
        entry.seconds = (Date.now() - entry.startedAtMs) / 1000;
        if (!completed) return;
      }
    }
  } finally {
    await wechat.control('DELETE', '/faults');
  }
}

/** Keeps a phase's faults until `endsAt` (expiring every token every 2 s in `tokenFaults`); false when the soak stopped first. */
async function holdPhase(phase: ChaosPhase, endsAt: number, wechat: SoakWechat, stop: StopSignal, log: ChaosLog): Promise<boolean> {
  if (phase !== 'tokenFaults') return stop.sleep(endsAt - Date.now());
  while (Date.now() < endsAt) {
    await wechat.control('POST', '/tokens/expire');
    log.tokenExpiries++;
    if (!(await stop.sleep(Math.min(TOKEN_EXPIRY_EVERY_MS, endsAt - Date.now())))) return false;
  }
  return true;
}

/**
 * The processes' faults until the soak stops: every 12–25 s (8–15 s quick) the next process of a shuffled round
 * is killed with SIGKILL (each once in the first round, then three times in four) and started again on its port
 * after 0.5–3 s, or paused with SIGSTOP for 6 s (WeChat's pushes to it wait past their 5 s and are tried again).
 * With two APIs, WeChat's push URL moves to the other API every 10 s, as behind a load balancer.
 */
export async function runProcessChaos(options: { cluster: Cluster; random: Random; stop: StopSignal; quick: boolean; log: ChaosLog }): Promise<void> {
  const { cluster, random, stop, log } = options;
  const pushRotation = cluster.apis.length > 1 ? rotatePushTarget(cluster, stop, log) : Promise.resolve();
  // The first fault comes early enough that a quick run sees every process faulted at least once.
  let waitMs = random.between(5_000, 8_000);
  try {
    for (let round = 0; ; round++) {
      for (const target of random.shuffle(cluster.all)) {
        if (!(await stop.sleep(waitMs))) return;
        waitMs = options.quick ? random.between(8_000, 15_000) : random.between(12_000, 25_000);
        // The first round kills every process once; later ones also pause.
        if (round > 0 && random.chance(0.25)) await pauseFor(target, 6000, stop, log);
        else await killAndRestart(target, random.between(500, 3000), log);
        if (log.restartFailures.length > 0) return;
      }
    }
  } finally {
    await pushRotation;
  }
}

async function killAndRestart(target: SoakProcess, downMs: number, log: ChaosLog): Promise<void> {
  log.processEvents.push({ process: target.name, action: 'kill -9', atMs: Date.now(), downMs: Math.round(downMs) });
  await target.killHard();
  await new Promise((resolve) => setTimeout(resolve, downMs));
  try {
    await target.start();
  } catch (error) {
    log.restartFailures.push(`${target.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function pauseFor(target: SoakProcess, ms: number, stop: StopSignal, log: ChaosLog): Promise<void> {
  log.processEvents.push({ process: target.name, action: 'pause', atMs: Date.now(), downMs: ms });
  target.pause();
  await stop.sleep(ms);
  target.resume();
}

async function rotatePushTarget(cluster: Cluster, stop: StopSignal, log: ChaosLog): Promise<void> {
  while (await stop.sleep(10_000)) {
    const next = cluster.apis.find((api) => api !== cluster.pushTarget()) ?? cluster.apis[0]!;
    await cluster.pushTo(next);
    log.processEvents.push({ process: next.name, action: 'push target', atMs: Date.now() });
  }
}

/** After the chaos: every process running and none paused, WeChat's faults cleared. */
export async function calmDown(cluster: Cluster, wechat: SoakWechat): Promise<void> {
  await wechat.control('DELETE', '/faults');
  for (const service of cluster.all) {
    service.resume();
    await service.start();
  }
}
