import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@leadnotify/wechat-emulator';
import { describe, expect, it } from 'vitest';
import { EXIT_CONFIG } from '../src/config.js';
import { spawnTs } from './helpers/child-process.js';
import { emulatorEnv } from './helpers/test-server.js';
import { waitFor } from '@leadnotify/test-support';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

interface Pm2App {
  name: string;
  cwd: string;
  script: string;
  args: string;
  interpreter: string;
  out_file: string;
  error_file: string;
  kill_timeout: number;
  env: Record<string, string>;
  stop_exit_codes: number[];
  exp_backoff_restart_delay: number;
  min_uptime: string;
  max_restarts: number;
}

describe('pm2 ecosystem file', () => {
  const { apps } = createRequire(import.meta.url)(join(repoRoot, 'ecosystem.config.cjs')) as { apps: Pm2App[] };

  it('defines the backend-dev app logging to logs/backend-dev-out.log', () => {
    expect(apps.map((app) => app.name)).toEqual(['backend-dev']);
    expect(apps[0]).toMatchObject({ cwd: repoRoot.replace(/\/$/, ''), out_file: 'logs/backend-dev-out.log', env: { NODE_ENV: 'production', HOST: '0.0.0.0' } });
    expect(apps[0]!.kill_timeout).toBeGreaterThanOrEqual(10_000);
  });

  it('runs node as a binary with tsx imported, so pm2 never looks for ts-node (no false TypeScript error on start)', () => {
    expect(apps[0]).toMatchObject({ script: 'node', interpreter: 'none' });
    expect(apps[0]!.args.split(' ').slice(0, 2)).toEqual(['--import', 'tsx']);
    expect(apps[0]!.script).not.toMatch(/\.tsx?$/);
  });

  it('its command starts the service, which serves the console, and SIGINT (how pm2 stops) shuts it down cleanly', async () => {
    const app = apps[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'pm2-ecosystem-'));
    const child = spawn(app.script === 'node' ? process.execPath : app.script, app.args.split(' '), {
      cwd: app.cwd,
      env: { ...process.env, DATABASE_URL: join(dir, 'db.sqlite'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', WECHAT_EMULATOR: 'off' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const url = await waitFor(() => /crm-api listening on (http:\/\/localhost:\d+)/.exec(output)?.[1], (found) => found !== undefined, {
      what: 'the "crm-api listening on" line',
      timeoutMs: 30_000,
      intervalMs: 100,
    }).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`${String(error)}\noutput:\n${output}`, { cause: error });
    });

    // main.ts installs its signal handlers in the same tick as it prints the line, so an answer proves they are in place.
    const base = url!.replace('localhost', '127.0.0.1');
    const health = await (await fetch(`${base}/healthz`)).json();
    // The console needs no build step under pm2 either: the service bundles it on the first request.
    const consolePage = await (await fetch(`${base}/console/`)).text();
    const script = /src="assets\/([^"]+\.js)"/.exec(consolePage)?.[1];
    const scriptStatus = (await fetch(`${base}/console/assets/${script}`)).status;
    child.kill('SIGINT');

    expect(health).toEqual({ status: 'ok' });
    expect(script).toBeDefined();
    expect(scriptStatus).toBe(200);
    expect(await exited).toEqual({ code: 0, signal: null });
    rmSync(dir, { recursive: true, force: true });
  }, 40_000);

  it('does not restart a configuration error, which exits EX_CONFIG; other failures restart ever more slowly, and not for ever', async () => {
    const app = apps[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'pm2-ecosystem-'));
    const exited = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, app.args.split(' '), {
        cwd: app.cwd,
        env: { ...process.env, DATABASE_URL: join(dir, 'db.sqlite'), PORT: 'not-a-port', WECHAT_EMULATOR: 'off' },
      });
      child.once('exit', resolve);
    });

    expect(exited).toBe(EXIT_CONFIG);
    expect(app.stop_exit_codes).toEqual([EXIT_CONFIG]);
    expect(app).toMatchObject({ exp_backoff_restart_delay: expect.any(Number), min_uptime: '10s', max_restarts: expect.any(Number) });
    rmSync(dir, { recursive: true, force: true });
  }, 40_000);

  it('in production (NODE_ENV from the ecosystem file) writes only JSON lines: the start, how to create the first admin, the shutdown', async () => {
    const emulator = await startEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'pm2-ecosystem-'));
    const child = await spawnTs('packages/crm-api/src/main.ts', {
      env: { ...apps[0]!.env, ...emulatorEnv(emulator), DATABASE_URL: join(dir, 'db.sqlite'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      ready: /"msg":"crm-api listening on (http:\/\/localhost:\d+)"/,
    });
    const ended = await child.kill('SIGINT');
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });

    const lines = child.output().trim().split('\n');
    const records = lines.map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(ended).toEqual({ code: 0, signal: null });
    expect(records.map((record) => record.msg)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^crm-api listening on /), expect.stringContaining('create the first one with'), 'shutting down']),
    );
    expect(child.output()).not.toContain('Ctrl-C');
  }, 60_000);
});
