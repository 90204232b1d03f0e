import { parseArgs } from 'node:util';

export type Engine = 'sqlite' | 'postgres';

export interface SoakOptions {
  quick: boolean;
  /** Traffic under chaos, per engine; the calm drain comes after it. */
  durationS: number;
  /** How long the drain may wait for the outbox to go quiet and the pushes to settle. */
  drainTimeoutS: number;
  salespeople: number;
  /** Assignment operations (requests) per second; a batch moves several customers. */
  ratePerS: number;
  /** Customers in the CRM at the start, all in the pool. */
  customers: number;
  seed: number;
  engines: Engine[];
  /** NOTIFY_RECEIPT_WAIT_MINUTES for the APIs and the worker; unset: the product's default. */
  receiptWaitMinutes?: number;
  /** Also write each engine's ground truth (bench/soak-<engine>-truth.json), to look into an example. */
  dumpTruth: boolean;
}

const USAGE = `pnpm bench soak [--quick] [--duration SECONDS] [--salespeople N] [--rate OPS_PER_S] [--customers N] [--seed N]
                [--engine sqlite|postgres|both] [--drain-timeout SECONDS] [--receipt-wait-minutes N] [--dump-truth]
Environment instead of flags: BENCH_QUICK=1, SOAK_DURATION_S, SOAK_SALESPEOPLE, SOAK_RATE, SOAK_CUSTOMERS, SOAK_SEED,
SOAK_ENGINES, SOAK_DRAIN_TIMEOUT_S, SOAK_RECEIPT_WAIT_MINUTES. PostgreSQL runs when TEST_DATABASE_URL is set.`;

/** The soak's parameters from its flags (after `soak`), then the environment, then the defaults. */
export function soakOptions(argv: string[], env: NodeJS.ProcessEnv): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean' },
      duration: { type: 'string' },
      salespeople: { type: 'string' },
      rate: { type: 'string' },
      customers: { type: 'string' },
      seed: { type: 'string' },
      engine: { type: 'string' },
      'drain-timeout': { type: 'string' },
      'receipt-wait-minutes': { type: 'string' },
      'dump-truth': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true || env.BENCH_QUICK === '1';
  const number = (flag: string | undefined, variable: string | undefined, fallback: number, name: string) => {
    const text = flag ?? variable;
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`soak: ${name} must be a positive number, not ${JSON.stringify(text)}\n${USAGE}`);
    return value;
  };
  const salespeople = Math.round(number(values.salespeople, env.SOAK_SALESPEOPLE, 20, '--salespeople'));
  if (salespeople < 3) throw new Error('soak: at least 3 salespeople (a reassignment needs someone else to go to)');
  const receiptWait = values['receipt-wait-minutes'] ?? env.SOAK_RECEIPT_WAIT_MINUTES;
  return {
    quick,
    durationS: number(values.duration, env.SOAK_DURATION_S, quick ? 60 : 180, '--duration'),
    drainTimeoutS: number(values['drain-timeout'], env.SOAK_DRAIN_TIMEOUT_S, 180, '--drain-timeout'),
    salespeople,
    ratePerS: number(values.rate, env.SOAK_RATE, 5, '--rate'),
    customers: Math.round(number(values.customers, env.SOAK_CUSTOMERS, Math.max(300, salespeople * 30), '--customers')),
    seed: Math.round(number(values.seed, env.SOAK_SEED, 20261127, '--seed')),
    engines: enginesOf(values.engine ?? env.SOAK_ENGINES ?? 'both'),
    dumpTruth: values['dump-truth'] === true,
    ...(receiptWait ? { receiptWaitMinutes: Math.round(number(receiptWait, undefined, 10, '--receipt-wait-minutes')) } : {}),
  };
}

function enginesOf(text: string): Engine[] {
  if (text === 'both') return ['sqlite', 'postgres'];
  if (text === 'sqlite' || text === 'postgres') return [text];
  throw new Error(`soak: --engine is sqlite, postgres or both, not ${JSON.stringify(text)}\n${USAGE}`);
}
