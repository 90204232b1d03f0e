import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TEMPLATE, LEAD_TEMPLATES } from '@leadnotify/wechat-emulator';
import { repoRoot } from '../test/helpers/child-process.js';
import { DEFAULT_BEHAVIOUR, planMonth, type Behaviour } from './reachability/plan.js';
import { writeResultsEntries } from './results-file.js';
import { simulateDesign, type Design, type DesignResult } from './reachability/simulate.js';

/** The design steps, side by side on the same month: today's baseline first, every step judged against it. */
const DESIGNS: Design[] = [
  { name: 'one template + button (baseline)', templates: [DEFAULT_TEMPLATE], silentTopUp: false, wecom: false },
  { name: 'three templates a tap', templates: LEAD_TEMPLATES, silentTopUp: false, wecom: false },
  { name: 'three templates + silent top-up', templates: LEAD_TEMPLATES, silentTopUp: true, wecom: false },
  { name: '+ WeCom', templates: LEAD_TEMPLATES, silentTopUp: true, wecom: true },
];

const USAGE = `pnpm bench reachability [--quick] [--days N] [--salespeople N] [--leads-per-day N] [--always-share 0..1] [--seed N] [--push-silent]
Environment instead of flags: BENCH_QUICK=1 (5 days).`;

/**
 * `pnpm bench reachability`: a seeded month of a sales team through the real delivery path, once per design step;
 * prints the share of leads heard about within 60 s, within 1 h, by the end of the day and never, with the behaviour
 * assumed, and writes them under `reachability` in bench/results.json.
 */
export async function runReachability(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      days: { type: 'string' },
      salespeople: { type: 'string' },
      'leads-per-day': { type: 'string' },
      'always-share': { type: 'string' },
      seed: { type: 'string' },
      'push-silent': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const quick = values.quick === true || process.env.BENCH_QUICK === '1';
  const number = (text: string | undefined, fallback: number) => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`reachability: ${text} is not a number\n${USAGE}`);
    return value;
  };
  const behaviour: Behaviour = {
    ...DEFAULT_BEHAVIOUR,
    days: Math.round(number(values.days, quick ? 5 : DEFAULT_BEHAVIOUR.days)),
    salespeople: Math.max(3, Math.round(number(values.salespeople, DEFAULT_BEHAVIOUR.salespeople))),
    leadsPerDay: number(values['leads-per-day'], DEFAULT_BEHAVIOUR.leadsPerDay),
    alwaysShare: number(values['always-share'], DEFAULT_BEHAVIOUR.alwaysShare),
  };
  const seed = Math.round(number(values.seed, 20261207));
  const pushSilentAcceptances = values['push-silent'] === true;
  const plan = planMonth(behaviour, seed, Date.now());
  console.log(`leadnotify reachability: ${behaviour.days} working days of ${behaviour.salespeople} salespeople, ${plan.leads} leads, seed ${seed}; ${cpus().length} cores, Node ${process.version}`);
  console.log(`behaviour: ${JSON.stringify(behaviour)}; silent acceptances pushed by WeChat: ${pushSilentAcceptances ? 'yes' : 'no (the strict reading)'}`);

  const results: DesignResult[] = [];
  for (const design of DESIGNS) {
    const result = await simulateDesign(design, plan, { pushSilentAcceptances });
    console.log(`  ${design.name}: ${describe(result)} (${result.seconds} s)`);
    results.push(result);
  }
  console.log('\n| design step | within 60 s | within 1 h | by the end of the day | never | within 60 s, salespeople on WeCom | dialogs shown | silent requests |\n|---|---|---|---|---|---|---|---|');
  for (const result of results) {
    const share = (count: number, of = result.leads) => `${((100 * count) / of).toFixed(1)}%`;
    const wecom = result.wecomLeads > 0 ? `${share(result.wecomWithin60s, result.wecomLeads)} of ${result.wecomLeads}` : '—';
    console.log(`| ${result.design} | ${share(result.within60s)} | ${share(result.within1h)} | ${share(result.byEndOfDay)} | ${share(result.never)} | ${wecom} | ${result.dialogsShown} | ${result.silentRequests} |`);
  }
  const file = join(repoRoot, 'bench', 'results.json');
  writeResultsEntries(file, { reachability: { date: new Date().toISOString(), quick, seed, pushSilentAcceptances, behaviour, leads: plan.leads, results } });
  console.log(`\nwritten under "reachability" in ${file}`);
}

function describe(result: DesignResult): string {
  const share = (count: number) => `${((100 * count) / result.leads).toFixed(1)}%`;
  return `${share(result.within60s)} within 60 s, ${share(result.within1h)} within 1 h, ${share(result.byEndOfDay)} by the end of the day, ${share(result.never)} never (of ${result.leads} leads; ${result.messages} messages)`;
}
