import { rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createApiToken } from '../src/domain/api-tokens.js';
import { repoRoot } from '../test/helpers/child-process.js';
import { seedBenchDb, type BenchDb } from './seed-bench.js';
import { calmDown, runProcessChaos, runWechatChaos, type ChaosLog } from './soak/chaos.js';
import { startCluster, startSoakWechat, type Cluster, type SoakWechat } from './soak/cluster.js';
import { computeFigures } from './soak/figures.js';
import { collectGroundTruth, outboxBacklog, type GroundTruth } from './soak/ground-truth.js';
import { soakOptions, type Engine, type SoakOptions } from './soak/options.js';
import { createRandom } from './soak/random.js';
import { nonZeroDefects, printEngineRun, sanityChecks, type EngineRun } from './soak/report.js';
import { writeResultsEntries } from './results-file.js';
import { createSalespeople } from './soak/salespeople.js';
import { createStopSignal, type StopSignal } from './soak/stop-signal.js';
import { createCrmView, startAssignmentTraffic } from './soak/traffic.js';

/**
 * `pnpm bench soak`: a bounded chaos soak per engine. Salespeople bind and subscribe, the host mini program
 * sends its own messages, assignments flow through every operation with frequent reassignments of customers
 * whose message may be in flight, while WeChat (the emulator, its own process) fails in phases and the API(s)
 * and worker are killed with SIGKILL or paused. Then a calm drain, and the CRM's records are held against what
 * WeChat really did. Prints the defect figures (target 0) with their definitions and writes them under `soak`
 * in bench/results.json.
 */
export async function runSoak(argv: string[]): Promise<void> {
  const options = soakOptions(argv, process.env);
  console.log(
    `leadnotify chaos soak${options.quick ? ' (quick)' : ''}: ${options.durationS} s of traffic per engine, ${options.salespeople} salespeople, ` +
      `${options.ratePerS} operations/s, ${options.customers} customers, seed ${options.seed}; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  const runs: EngineRun[] = [];
  for (const engine of options.engines) {
    const run = engine === 'postgres' && !process.env.TEST_DATABASE_URL ? { engine, skipped: 'TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' } : await soakEngineOrFailure(engine, options);
    printEngineRun(run);
    runs.push(run);
  }

  console.log('\nsummary (targets: 0):');
  for (const run of runs) {
    const failed = run.sanity?.filter((check) => !check.ok && check.fatal) ?? [];
    const defects = nonZeroDefects(run);
    console.log(`  ${run.engine}: ${run.skipped ? `skipped (${run.skipped})` : defects.length === 0 ? 'all five figures 0' : `NON-ZERO: ${defects.join(', ')}`}${failed.length > 0 ? `; NOT MEASURED: ${failed.map((check) => check.check).join('; ')}` : ''}`);
    // A soak that measured nothing must not pass for a clean one.
    if (failed.length > 0) process.exitCode = 1;
  }
  const file = join(repoRoot, 'bench', 'results.json');
  writeResultsEntries(file, { soak: { date: new Date().toISOString(), options, runs } });
  console.log(`\nwritten under "soak" in ${file}`);
}

/** Things to undo, last first: on the way out of a run, and on Ctrl-C. */
const cleanups: Array<() => Promise<void> | void> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const undo = cleanups.pop()!;
    await Promise.resolve()
      .then(undo)
      .catch((error: unknown) => console.warn(`soak clean-up: ${error instanceof Error ? error.message : String(error)}`));
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\nsoak interrupted (${signal}): stopping its processes and removing its database`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** One engine's run; a run that broke (a process that would not start, say) is reported as such and the next engine still runs. */
async function soakEngineOrFailure(engine: Engine, options: SoakOptions): Promise<EngineRun> {
  try {
    return await soakEngine(engine, options);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
    return { engine, skipped: `the run failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

async function soakEngine(engine: Engine, options: SoakOptions): Promise<EngineRun> {
  const startedAt = Date.now();
  console.log(`\n[${engine}] setting up`);
  try {
    const db = await seedBenchDb({ sales: options.salespeople, customers: options.customers, engine });
    cleanups.push(() => removeDatabase(db, engine));
    const salesTokens = new Map<string, string>();
    for (const id of db.salesIds) salesTokens.set(id, await createApiToken(db.db.kysely, id, new Date()));
    const wechat = await startSoakWechat();
    cleanups.push(() => wechat.child.stop());
    const cluster = await startCluster({ engine, databaseUrl: db.url, wechat, ...(options.receiptWaitMinutes ? { receiptWaitMinutes: options.receiptWaitMinutes } : {}) });
    cleanups.push(async () => {
      for (const service of cluster.all) await service.stop();
    });
    const salespeople = createSalespeople({ wechat, salesIds: db.salesIds, random: createRandom(options.seed, 'salespeople') });
    await salespeople.prepare();
    await waitForPushes(wechat, 60);

    const chaosLog: ChaosLog = { phases: [], processEvents: [], tokenExpiries: 0, restartFailures: [] };
    const trafficStartedAt = Date.now();
    const traffic = await underChaos({ options, db, wechat, cluster, salesTokens, chaosLog, salespeople });
    const trafficS = (Date.now() - trafficStartedAt) / 1000;

    console.log(`[${engine}] calm: faults cleared, every process running; draining`);
    await calmDown(cluster, wechat);
    const drain = await drainUntilQuiet(db, wechat, options.drainTimeoutS);
    const truth = await collectGroundTruth(wechat, db.db, traffic.records);
    if (options.dumpTruth) dumpTruth(engine, truth);
    const run: EngineRun = {
      engine,
      figures: computeFigures(truth),
      processes: Object.fromEntries(cluster.all.map((service) => [service.name, { ...service.counts }])),
      chaos: { phases: summarisePhases(chaosLog), tokenExpiries: chaosLog.tokenExpiries, processEvents: chaosLog.processEvents },
      drain,
      salespeople: { profiles: countValues(salespeople.profiles()), ...salespeople.counts },
      requestsLeftOut: traffic.leftOut(),
      seconds: { traffic: Math.round(trafficS), total: Math.round((Date.now() - startedAt) / 1000) },
    };
    run.sanity = sanityChecks(run, chaosLog, options.quick);
    return run;
  } finally {
    await cleanUp();
  }
}

/** Traffic, salespeople, WeChat's faults and the process kills together for the run's duration; then all stop. */
async function underChaos(parts: {
  options: SoakOptions;
  db: BenchDb;
  wechat: SoakWechat;
  cluster: Cluster;
  salesTokens: Map<string, string>;
  chaosLog: ChaosLog;
  salespeople: ReturnType<typeof createSalespeople>;
}) {
  const { options, wechat, cluster, chaosLog } = parts;
  const stop = createStopSignal();
  const view = createCrmView(parts.db.managerToken, parts.salesTokens, parts.db.customerIds);
  const traffic = startAssignmentTraffic({
    view,
    apis: cluster.apis,
    random: createRandom(options.seed, 'traffic'),
    ratePerS: options.ratePerS,
    burstEveryS: options.quick ? { min: 15, max: 25 } : { min: 20, max: 40 },
    stop,
  });
  const loops = [
    runWechatChaos({
      wechat,
      random: createRandom(options.seed, 'wechat-chaos'),
      stop,
      quick: options.quick,
      log: chaosLog,
      // Leads handed out as sends turn slow: the notifier claims and checks batches a round trip ahead of sending them,
      // which is when a stale check shows; left to chance, a quick run often has no handout in a slow phase.
      onPhase: (phase) => {
        if (phase === 'sends1600') traffic.handOutLeads();
      },
    }),
    runProcessChaos({ cluster, random: createRandom(options.seed, 'process-chaos'), stop, quick: options.quick, log: chaosLog }),
    parts.salespeople.run(stop),
    reportProgress(cluster.engine, stop, traffic.records, chaosLog),
  ];
  const deadline = Date.now() + options.durationS * 1000;
  // A process that does not come back ends the chaos early: the rest would be an outage, not a soak.
  while (Date.now() < deadline && chaosLog.restartFailures.length === 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, deadline - Date.now())));
  stop.stop();
  await Promise.all(loops);
  await traffic.finished();
  if (chaosLog.restartFailures.length > 0) console.log(`[${cluster.engine}] a process did not restart: ${chaosLog.restartFailures.join('; ')}`);
  return traffic;
}

async function reportProgress(engine: Engine, stop: StopSignal, requests: Array<{ status: number }>, chaosLog: ChaosLog): Promise<void> {
  const startedAt = Date.now();
  while (await stop.sleep(15_000)) {
    const answered = requests.filter((request) => request.status >= 200 && request.status < 300).length;
    const kills = chaosLog.processEvents.filter((event) => event.action === 'kill -9').length;
    console.log(`[${engine}] ${Math.round((Date.now() - startedAt) / 1000)} s: ${requests.length} requests (${answered} 2xx), ${kills} kills, WeChat now: ${chaosLog.phases.at(-1)?.phase ?? '-'}`);
  }
}

/**
 * Waits until no row is pending or sending and WeChat has no push left to try, for 3 s in a row: everything
 * that can settle has (a row held by a killed process waits out its lease, 60 s).
 */
async function drainUntilQuiet(db: BenchDb, wechat: SoakWechat, timeoutS: number) {
  const startedAt = Date.now();
  let quietSince: number | undefined;
  let backlog = 0;
  let pushesPending = 0;
  while (Date.now() - startedAt < timeoutS * 1000) {
    backlog = await outboxBacklog(db.db);
    pushesPending = backlog === 0 ? await pendingPushes(wechat) : pushesPending;
    if (backlog === 0 && pushesPending === 0) {
      quietSince ??= Date.now();
      if (Date.now() - quietSince >= 3000) break;
    } else {
      quietSince = undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return { seconds: (Date.now() - startedAt) / 1000, backlogLeft: backlog, pushesPending };
}

async function pendingPushes(wechat: SoakWechat): Promise<number> {
  const pushes = (await wechat.control('GET', '/pushes')).items as Array<{ state: string }>;
  return pushes.filter((push) => push.state === 'pending').length;
}

async function waitForPushes(wechat: SoakWechat, timeoutS: number): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  while ((await pendingPushes(wechat)) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
}

function dumpTruth(engine: Engine, truth: GroundTruth): void {
  const file = join(repoRoot, 'bench', `soak-${engine}-truth.json`);
  writeFileSync(file, JSON.stringify({ ...truth, openidOf: Object.fromEntries(truth.openidOf) }));
  console.log(`[${engine}] ground truth written to ${file}`);
}

/** Drops the PostgreSQL schema (seedBenchDb's close does) or deletes the SQLite file's temporary directory. */
async function removeDatabase(db: BenchDb, engine: Engine): Promise<void> {
  await db.db.close();
  if (engine === 'sqlite') rmSync(dirname(db.url), { recursive: true, force: true });
}

function summarisePhases(log: ChaosLog): Record<string, { count: number; seconds: number }> {
  const phases: Record<string, { count: number; seconds: number }> = {};
  for (const { phase, seconds } of log.phases) {
    const entry = (phases[phase] ??= { count: 0, seconds: 0 });
    entry.count++;
    entry.seconds += seconds;
  }
  return phases;
}

function countValues(record: Record<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of Object.values(record)) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
