import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, EXIT_CONFIG, loadConfig, WORKSPACE_ROOT } from '../src/config.js';
import { openConfiguredDatabase } from '../src/database-from-config.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/server.js';
import { repoRoot, spawnTs } from './helpers/child-process.js';
import { createTestDatabase } from './helpers/test-database.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The parent's environment without anything WeChat, NODE_ENV or TEST_: a clean start. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(MINIPROGRAM_|WECHAT_|TEST_|NODE_ENV$|DATABASE_URL$|PORT$|HOST$)/.test(key)) env[key] = value;
  }
  return { ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...extra };
}

async function runEntry(entry: string, env: NodeJS.ProcessEnv, cwd = repoRoot) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', entry], { cwd, env, timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('start-up refuses an unsafe configuration', () => {
  const scratch = `data/test-startup-${randomBytes(4).toString('hex')}`;
  afterAll(() => rmSync(join(WORKSPACE_ROOT, scratch), { recursive: true, force: true }));

  it('main.ts with a half-filled WeChat configuration exits naming the missing variables, seeding nothing', async () => {
    const result = await runEntry(join(packageDir, 'src/main.ts'), cleanEnv({ DATABASE_URL: `./${scratch}/half.db`, MINIPROGRAM_APPID: 'wx123' }));

    expect(result.code).toBe(EXIT_CONFIG);
    expect(result.output).toContain('MINIPROGRAM_APPSECRET, MINIPROGRAM_CLOUD_ENV: not set');
    expect(result.output).not.toContain('listening');
    expect(result.output).not.toMatch(/token=|lnk_/);
  }, 40_000);

  it('main.ts with NODE_ENV=production and no WeChat configuration exits instead of running without it', async () => {
    const result = await runEntry(join(packageDir, 'src/main.ts'), cleanEnv({ DATABASE_URL: `./${scratch}/prod.db`, NODE_ENV: 'production' }));

    expect(result.code).toBe(EXIT_CONFIG);
    expect(result.output).toContain('MINIPROGRAM_APPID, MINIPROGRAM_APPSECRET, MINIPROGRAM_CLOUD_ENV: not set; NODE_ENV=production');
    expect(result.output).not.toContain('listening');
  }, 40_000);

  it('pnpm start (start-local) refuses a half-filled configuration rather than falling back to the emulator', async () => {
    const result = await runEntry('scripts/start-local.ts', cleanEnv({ DATABASE_URL: `./${scratch}/local.db`, MINIPROGRAM_APPSECRET: 'secret', MINIPROGRAM_CLOUD_ENV: 'env' }));

    expect(result.code).toBe(1);
    expect(result.output).toContain('MINIPROGRAM_APPID: not set');
    expect(result.output).not.toContain('emulator at');
    expect(result.output).not.toMatch(/token=/);
  }, 40_000);

  it('a DATABASE_URL with an unknown scheme is a configuration error, not a SQLite file', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:pw@db/crm' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:pw@db/crm' })).toThrow(/DATABASE_URL: unsupported scheme/);
  });

  it('a database that cannot be reached names DATABASE_URL, without the password', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://crm:hunter2secret@127.0.0.1:1/crm' });

    const failure = await openConfiguredDatabase(config).then(() => undefined, (error: Error) => error.message);

    expect(failure).toContain('DATABASE_URL');
    expect(failure).toContain('PostgreSQL 127.0.0.1:1/crm');
    expect(failure).not.toContain('hunter2secret');
  });

  it('a busy port says which and what to set, instead of a TypeError', async () => {
    const blocker: Server = await new Promise((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
    });
    const port = (blocker.address() as { port: number }).port;
    const database = await createTestDatabase('sqlite');
    await database.db.close();
    try {
      const starting = startServer(
        loadConfig({ DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', NOTIFIER: 'off' }),
        createLogger('silent', new Writable({ write: (_c, _e, done) => done() })),
      );
      await expect(starting).rejects.toThrow(`port ${port} is in use; set PORT`);
    } finally {
      blocker.close();
      await database.drop();
    }
  });
});

describe('one database for every command', () => {
  const scratch = `data/test-one-db-${randomBytes(4).toString('hex')}`;
  afterAll(() => rmSync(join(WORKSPACE_ROOT, scratch), { recursive: true, force: true }));

  it('a token the CLI creates from the package directory works against the API started from the root', async () => {
    const env = cleanEnv({ DATABASE_URL: `./${scratch}/leadnotify.db` });
    const created = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'user:create', '--name', '管理员', '--role', 'admin', '--with-token'], { cwd: packageDir, env });
    const token = /token \(shown once, store it now\): (\S+)/.exec(created.stdout)?.[1];
    expect(created.stderr).toContain(`database: SQLite ${join(WORKSPACE_ROOT, scratch, 'leadnotify.db')}`);

    const api = await spawnTs('packages/crm-api/src/main.ts', {
      env: { ...env, WECHAT_EMULATOR: 'off' },
      ready: /crm-api listening on (http:\/\/localhost:\d+)[\s\S]*database: /,
    });
    try {
      const me = await fetch(`${api.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status, api.output()).toBe(200);
      expect(((await me.json()) as { name: string }).name).toBe('管理员');
      expect(api.output()).toContain(`database: SQLite ${join(WORKSPACE_ROOT, scratch, 'leadnotify.db')}`);
      expect(api.output()).toContain('npx pnpm@12.4.2 cli token:create --user');
    } finally {
      await api.stop();
    }
  }, 60_000);
});
