import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export interface Child {
  process: ChildProcess;
  url: string;
  /** Resident set size of the process, bytes (Linux /proc). */
  rss(): number;
  stop(): Promise<void>;
}

/** Spawns a TypeScript entry with tsx and waits for a line matching `ready` that carries its URL. */
export async function spawnTs(
  entry: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 60_000,
  nodeFlags: string[] = [],
): Promise<Child & { output(): string }> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', entry, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const started = Date.now();
  let url: string | undefined;
  while (!url && Date.now() - started < timeoutMs && child.exitCode === null) {
    url = ready.exec(output)?.[1];
    if (!url) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!url) {
    child.kill('SIGKILL');
    throw new Error(`${entry} did not start:\n${output}`);
  }
  return {
    process: child,
    output: () => output,
    url: url.replace('localhost', '127.0.0.1'),
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function startApi(env: Record<string, string>): Promise<Child> {
  return spawnTs('packages/crm-api/src/main.ts', [], { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, /crm-api listening on (http:\/\/localhost:\d+)/);
}

export function startEmulatorProcess(secret: string): Promise<Child> {
  return spawnTs('packages/wechat-emulator/src/cli.ts', ['--port', '0', '--secret', secret], {}, /WeChat emulator on (http:\/\/[\d.]+:\d+)/);
}

export async function emulatorControl(emulatorUrl: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${emulatorUrl}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.json();
}
