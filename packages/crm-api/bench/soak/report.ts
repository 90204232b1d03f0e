import type { ChaosLog, ChaosPhase } from './chaos.js';
import { STALE_MARGIN_MS, type SoakFigures } from './figures.js';
import type { Engine } from './options.js';

export interface EngineRun {
  engine: Engine;
  /** Why it did not run, when it did not. */
  skipped?: string;
  figures?: SoakFigures;
  processes?: Record<string, { kills: number; pauses: number; starts: number }>;
  chaos?: { phases: Record<string, { count: number; seconds: number }>; tokenExpiries: number; processEvents: ChaosLog['processEvents'] };
  drain?: { seconds: number; backlogLeft: number; pushesPending: number };
  salespeople?: unknown;
  requestsLeftOut?: number;
  sanity?: SanityCheck[];
  seconds?: { traffic: number; total: number };
}

export interface SanityCheck {
  check: string;
  ok: boolean;
  detail: string;
  /** false: worth knowing, but the figures still mean what they say (a drain that left a row or two). */
  fatal: boolean;
}

const ALL_PHASES: ChaosPhase[] = ['answersLost', 'sends1600', 'sends3500Delivered', 'sends3500InTransit', 'errorAfterSend', 'offline', 'tokenFaults', 'calm'];

/**
 * What must hold for the figures to mean anything: a run where nothing was delivered, nobody was killed or
 * nothing moved while a message was in flight would report zeros because it measured nothing.
 */
export function sanityChecks(run: EngineRun, chaos: ChaosLog, quick: boolean): SanityCheck[] {
  const figures = run.figures!;
  const context = figures.context;
  const checks: SanityCheck[] = [];
  const add = (check: string, ok: boolean, detail: string, fatal = true) => checks.push({ check, ok, detail, fatal });
  add('WeChat delivered messages of ours', context.messages.ours > 0, `${context.messages.ours} messages`);
  const checked = figures.defects.misdirected.messagesChecked;
  add('the invocation that sent each message is known', context.messages.ours > 0 && checked >= context.messages.ours * 0.99, `${checked} of ${context.messages.ours}`);
  const unkilled = Object.entries(run.processes ?? {}).filter(([, counts]) => counts.kills === 0).map(([name]) => name);
  add('every process was killed with SIGKILL and started again', unkilled.length === 0 && chaos.restartFailures.length === 0, unkilled.length > 0 ? `never killed: ${unkilled.join(', ')}` : chaos.restartFailures.join('; ') || 'yes');
  add('customers moved away while their message was in flight', context.reassignedWhileInFlight > 0, `${context.reassignedWhileInFlight} (delivery, customer) pairs`);
  const byStatus = context.notificationsByStatus;
  add('rows ended sent, and rows ended withdrawn', (byStatus.sent ?? 0) > 0 && (byStatus.withdrawn ?? 0) > 0, `${byStatus.sent ?? 0} sent, ${byStatus.withdrawn ?? 0} withdrawn`);
  const answered = context.pushes.attemptsByStatus['200'] ?? 0;
  const hostReceipts = Object.entries(context.pushes.byEvent).filter(([event]) => event.startsWith('subscribe_msg_sent_event (host')).reduce((sum, [, count]) => sum + count, 0);
  add('pushes reached the API, host-template receipts among them', answered > 0 && hostReceipts > 0, `${answered} attempts answered 200; ${hostReceipts} host-template receipts pushed`);
  const ran = new Set(chaos.phases.map((phase) => phase.phase));
  const missing = ALL_PHASES.filter((phase) => !ran.has(phase));
  add('every kind of WeChat fault ran', missing.length === 0 || quick, missing.length === 0 ? 'all' : `not run: ${missing.join(', ')}${quick ? ' (quick run: information)' : ''}`);
  const known = context.assignments.changesWithKnownCommitBound;
  const changes = context.assignments.made + context.assignments.releases;
  add('commit times bounded by an answer the soak read', changes > 0 && known >= changes * 0.9, `${known} of ${changes} changes`);
  add('the drain emptied the outbox', run.drain?.backlogLeft === 0, `${run.drain?.backlogLeft ?? '?'} rows still pending or sending`, false);
  return checks;
}

/** One engine's figures on the console: each defect with its definition, flagged when not 0. */
export function printEngineRun(run: EngineRun): void {
  console.log(`\n=== soak on ${run.engine === 'sqlite' ? 'SQLite (one API, inline notifier)' : 'PostgreSQL (two APIs with NOTIFIER=off, one worker)'} ===`);
  if (run.skipped) return void console.log(`  skipped: ${run.skipped}`);
  const { defects, context } = run.figures!;
  const line = (value: number, text: string) => console.log(`  ${value === 0 ? '   0' : `!! ${value}`.padStart(4)}  ${text}`);
  console.log('  defects (target 0):');
  line(defects.lost.sent, `lost: rows the CRM shows sent none of whose delivery ids reached the user (of ${defects.lost.ofSentRows} sent)`);
  line(defects.lost.confirmed, `  lost while "sent, confirmed": a delivery receipt confirmed them (of ${defects.lost.ofConfirmedRows} confirmed) — the receipts were about: ${describe(defects.lost.confirmedBy)}`);
  line(defects.duplicated.deliveryIdsDeliveredTwice, 'duplicated: delivery ids WeChat delivered more than once');
  line(defects.duplicated.rowsDeliveredUnderTwoIds, 'duplicated: rows whose customers reached the user under two delivery ids');
  line(defects.withdrawnButDelivered.count, `withdrawn but delivered: rows withdrawn one of whose delivery ids had brought the user their customers (of ${defects.withdrawnButDelivered.ofWithdrawnRows} withdrawn) — the delivering invocation answered: ${describe(defects.withdrawnButDelivered.byAnswer)}`);
  line(defects.misdirected.staleCheck.messages, `misdirected by a stale check: delivered messages naming a customer whose move away from the recipient committed > ${STALE_MARGIN_MS} ms before the invocation arrived (${defects.misdirected.staleCheck.customers} customers; of ${defects.misdirected.messagesChecked} messages, ${defects.misdirected.staleCheck.messages + defects.misdirected.inherentRace.messages} naming someone else's customer)`);
  line(defects.pushes5xx.attempts, `WeChat's pushes answered 5xx: push attempts with HTTP ≥ 500, in ${defects.pushes5xx.pushes} pushes (${defects.pushes5xx.lost} failed all three tries) — ${describe(defects.pushes5xx.byEvent)}`);
  console.log('  information:');
  console.log(`     ${defects.misdirected.inherentRace.messages}  inherent race: messages naming a customer moved away after the invocation arrived and before the send (${defects.misdirected.inherentRace.customers} customers)`);
  console.log(`     assignments made ${context.assignments.made} (${describe(context.assignments.byVia)}), releases ${context.assignments.releases}; requests ${context.requests.total}${run.requestsLeftOut ? `, ${run.requestsLeftOut} left out (64 in flight)` : ''}`);
  for (const [operation, outcomes] of Object.entries(context.requests.byOperation)) console.log(`       ${operation}: ${describe(outcomes)}`);
  console.log(`     notifications by final status: ${describe(context.notificationsByStatus)}`);
  console.log(`     messages delivered: ${context.messages.ours} ours (${context.messages.distinctDeliveryIds} delivery ids), ${context.messages.host} of the host's templates`);
  console.log(`     send invocations ${context.invocations.sends} (${describe(context.invocations.byAnswer)}); sends stopped before WeChat had them ${context.invocations.stoppedSends}`);
  console.log(`     pushes ${context.pushes.total} (${describe(context.pushes.byState)}); attempts ${context.pushes.attempts} (${describe(context.pushes.attemptsByStatus)})`);
  console.log(`       by event: ${describe(context.pushes.byEvent)}`);
  console.log(`     receipts stored ${context.receipts.stored}, settled a delivery ${context.receipts.settled}, of which host-template receipts ${context.receipts.settledByHostTemplateReceipts}`);
  console.log(`     kills and pauses: ${Object.entries(run.processes ?? {}).map(([name, counts]) => `${name} ${counts.kills} kill -9, ${counts.pauses} paused`).join('; ')}; token expiries ${run.chaos?.tokenExpiries ?? 0}`);
  console.log(`     WeChat fault phases: ${Object.entries(run.chaos?.phases ?? {}).map(([phase, { count, seconds }]) => `${phase} ${count}× ${seconds.toFixed(0)} s`).join(', ')}`);
  console.log(`     reassigned while in flight: ${context.reassignedWhileInFlight} (delivery, customer) pairs; drain ${run.drain?.seconds.toFixed(0)} s, ${run.drain?.backlogLeft} rows left pending/sending`);
  printExamples(run);
  console.log('  sanity (the figures measure something):');
  for (const check of run.sanity ?? []) console.log(`    ${check.ok ? 'ok  ' : check.fatal ? 'FAIL' : 'warn'} ${check.check}: ${check.detail}`);
}

function printExamples(run: EngineRun): void {
  const { defects } = run.figures!;
  const sections: Array<[string, unknown[]]> = [
    ['lost', defects.lost.examples],
    ['duplicated', defects.duplicated.examples],
    ['withdrawn but delivered', defects.withdrawnButDelivered.examples],
    ['misdirected', defects.misdirected.examples],
    ['pushes 5xx', defects.pushes5xx.examples],
  ];
  for (const [name, examples] of sections) {
    if (examples.length === 0) continue;
    console.log(`  examples, ${name}:`);
    for (const example of examples.slice(0, 3)) console.log(`    ${JSON.stringify(example)}`);
  }
}

function describe(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, count]) => count > 0);
  return entries.length === 0 ? 'none' : entries.map(([key, count]) => `${key} ${count}`).join(', ');
}

/** The non-zero defect figures of a run, by name. */
export function nonZeroDefects(run: EngineRun): string[] {
  if (!run.figures) return [];
  const { defects } = run.figures;
  const figures: Array<[string, number]> = [
    ['lost', defects.lost.sent],
    ['lost while sent, confirmed', defects.lost.confirmed],
    ['duplicated delivery ids', defects.duplicated.deliveryIdsDeliveredTwice],
    ['rows delivered under two ids', defects.duplicated.rowsDeliveredUnderTwoIds],
    ['withdrawn but delivered', defects.withdrawnButDelivered.count],
    ['misdirected by a stale check', defects.misdirected.staleCheck.messages],
    ['pushes answered 5xx', defects.pushes5xx.attempts],
  ];
  return figures.filter(([, value]) => value > 0).map(([name, value]) => `${name} ${value}`);
}

/** Writes the soak's runs under `soak` in bench/results.json, keeping whatever else the file holds. */
