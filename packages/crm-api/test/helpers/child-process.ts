import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@leadnotify/test-support';

export const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

export interface ChildService {
  /** The URL the service printed when it was ready. */
  url: string;
  pid: number;
  output(): string;
  running(): boolean;
  /** Sends `signal` unless the process has ended, and resolves with how it ended. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Output to wait for; its first group is the service's URL. */
  ready: RegExp;
  args?: string[];
  /** Added to this process's environment (minus its TEST_ variables); undefined removes a variable. */
  env?: Record<string, string | undefined>;
  nodeFlags?: string[];
  timeoutMs?: number;
}

/** The most output kept per child: enough for any assertion, bounded for long benchmark runs. */
const OUTPUT_LIMIT = 1_000_000;

/** Runs a TypeScript entry (a path from the repository root) with tsx as its own process, once it prints `ready`. */
export async function spawnTs(entry: string, options: SpawnOptions): Promise<ChildService> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TEST_')) delete env[key];
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', entry, ...(options.args ?? [])], { cwd: repoRoot, env });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const ready = () => waitFor(
    () => ({ url: options.ready.exec(output)?.[1], exitCode: child.exitCode, signal: child.signalCode }),
    (state) => state.url !== undefined || state.exitCode !== null || state.signal !== null,
    { what: `${entry} to print ${options.ready}`, timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 50 },
  );
  let url: string | undefined;
  try {
    ({ url } = await ready());
  } catch (timeout) {
    child.kill('SIGKILL');
    throw new Error(`${entry} did not start in time:\n${output}`, { cause: timeout });
  }
  if (!url) throw new Error(`${entry} ended before it was ready:\n${output}`);
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals) => {
    if (running()) child.kill(signal);
    return ended;
  };
  return {
    url: url.replace('localhost', '127.0.0.1'),
    pid: child.pid as number,
    output: () => output,
    running,
    kill,
    stop: async () => void (await kill('SIGTERM')),
  };
}

/** crm-api started the way `pnpm start` does, as its own process. */
export function startChildApi(env: Record<string, string>, timeoutMs = 30_000): Promise<ChildService> {
  return spawnTs('packages/crm-api/src/main.ts', {
    env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    ready: /crm-api listening on (http:\/\/localhost:\d+)/,
    timeoutMs,
  });
}
