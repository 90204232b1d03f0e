import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

export interface ChildApi {
  url: string;
  output: () => string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** Starts crm-api the way `pnpm start` does, as its own process, and waits until it listens. */
export async function startChildApi(env: Record<string, string>, timeoutMs = 30_000): Promise<ChildApi> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env };
  for (const key of Object.keys(childEnv)) if (key.startsWith('TEST_')) delete childEnv[key];
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', 'packages/crm-api/src/main.ts'], { cwd: repoRoot, env: childEnv });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = Date.now();
  let url: string | undefined;
  while (!url && Date.now() - started < timeoutMs && child.exitCode === null) {
    url = /crm-api listening on (http:\/\/localhost:\d+)/.exec(output)?.[1];
    if (!url) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!url) {
    child.kill('SIGKILL');
    throw new Error(`crm-api did not start:\n${output}`);
  }
  return {
    url: url.replace('localhost', '127.0.0.1'),
    output: () => output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return check();
}
