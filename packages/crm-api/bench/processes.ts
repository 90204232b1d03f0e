import { spawnTs, type ChildService } from '../test/helpers/child-process.js';

/** The emulator as its own process; `extraArgs` are more of its CLI flags (e.g. --extra-template). */
export function startEmulatorProcess(secret: string, extraArgs: string[] = []): Promise<ChildService> {
  return spawnTs('packages/wechat-emulator/src/cli.ts', { args: ['--port', '0', '--secret', secret, ...extraArgs], ready: /WeChat emulator on (http:\/\/[\d.]+:\d+)/ });
}

export async function emulatorControl(emulatorUrl: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${emulatorUrl}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.json();
}
