import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { REASONS } from '@leadnotify/contracts';
import { waitFor } from '@leadnotify/test-support';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '@leadnotify/wechat-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { storePush } from '../src/db/push-store.js';
import { wechatFromConfig } from '../src/delivery/wechat-from-config.js';
import { wecomFromConfig } from '../src/delivery/wecom-from-config.js';
import type { CheckName, Finding } from '../src/doctor/findings.js';
import { exitCodeOf } from '../src/doctor/findings.js';
import { runDoctor } from '../src/doctor/run-doctor.js';
import { createLogger } from '../src/logger.js';
import { spawnTs } from './helpers/child-process.js';
import { seeder } from './helpers/seed.js';
import { createTestDatabase, testEngines, type TestDatabase } from './helpers/test-database.js';
import { emulatorEnv } from './helpers/test-server.js';

const SECRET = 'doctor-test-shared-secret-0123456789abcdef';
const PUSH_TOKEN = 'doctor-push-token';
const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The environment of a deployment on the emulator: WeChat, the shared secret, message push and WeCom all configured. */
function deploymentEnv(emulator: RunningEmulator): Record<string, string> {
  return {
    ...emulatorEnv(emulator),
    LEADNOTIFY_SHARED_SECRET: SECRET,
    WECHAT_PUSH_TOKEN: PUSH_TOKEN,
    WECOM_CORP_ID: emulator.wecom.corp.corpId,
    WECOM_AGENT_ID: String(emulator.wecom.corp.agentId),
    WECOM_AGENT_SECRET: emulator.wecom.corp.agentSecret,
    WECOM_API_BASE_URL: emulator.url,
    WECOM_CARD_URL: 'https://crm.example.com/customers/{customerId}',
  };
}

describe.each(testEngines())('pnpm cli doctor (%s)', (engine) => {
  let emulator: RunningEmulator | undefined;
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await emulator?.stop();
    await database?.drop();
    emulator = undefined;
    database = undefined;
  });

  /** A deployment on the emulator (its function with the API's secret unless told), examined by the doctor. */
  async function examine(options: { emulator?: EmulatorOptions; env?: Record<string, string | undefined>; pushSeen?: boolean; before?: (db: TestDatabase) => Promise<void> } = {}) {
    emulator ??= await startEmulator({ ...options.emulator, functionEnv: { LEADNOTIFY_SHARED_SECRET: SECRET, ...options.emulator?.functionEnv } });
    database ??= await createTestDatabase(engine);
    if (options.pushSeen ?? true) {
      await storePush(database.db.kysely, { id: randomUUID(), event: 'subscribe_msg_popup_event', openid: 'o-1', body: '{}', receivedAt: new Date(Date.now() - 3_600_000).toISOString() });
    }
    await options.before?.(database);
    const env = Object.fromEntries(Object.entries({ ...deploymentEnv(emulator), ...options.env }).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const config = loadConfig({ DATABASE_URL: database.url, ...env });
    const logger = createLogger('silent');
    const clock = { now: () => Date.now() };
    const wechat = wechatFromConfig(config, logger);
    const findings = await runDoctor({ config, db: database.db, clock, wechat: wechat.client, cloudFunction: wechat.cloudFunction, wecom: wecomFromConfig(config, { clock, logger }) });
    return { findings, of: (check: CheckName) => findings.find((found) => found.check === check) as Finding };
  }

  it('a healthy deployment is ok on every check, exit code 0', async () => {
    const { findings } = await examine();

    expect(findings.map((found) => [found.check, found.status])).toEqual([
      ['wechat-credentials', 'ok'],
      ['cloud-function', 'ok'],
      ['shared-secret', 'ok'],
      ['templates', 'ok'],
      ['message-push', 'ok'],
      ['wecom-credentials', 'ok'],
      ['wecom-trusted-ip', 'ok'],
    ]);
    expect(exitCodeOf(findings)).toBe(0);
    expect(JSON.stringify(findings)).not.toContain(SECRET);
  });

  it('a wrong AppSecret is a problem naming MINIPROGRAM_APPSECRET; the checks needing a token are skipped', async () => {
    const { findings, of } = await examine({ env: { MINIPROGRAM_APPSECRET: 'not-the-appsecret' } });

    expect(of('wechat-credentials')).toMatchObject({ status: 'problem', summary: expect.stringContaining('40125'), fix: REASONS.APPSECRET_INVALID.fix });
    expect(REASONS.APPSECRET_INVALID.fix).toContain('MINIPROGRAM_APPSECRET');
    expect(['cloud-function', 'shared-secret', 'templates'].map((check) => of(check as CheckName).status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(exitCodeOf(findings)).toBe(1);
    expect(JSON.stringify(findings)).not.toContain('not-the-appsecret');
  });

  it('a function deployed under another name, or in another environment, is a problem saying to deploy quickstartFunctions there', async () => {
    const otherName = await examine({ emulator: { functionName: 'someOtherFunction' } });
    expect(otherName.of('cloud-function')).toMatchObject({ status: 'problem', summary: expect.stringContaining('-501000'), fix: REASONS.CLOUD_ENV_INVALID.fix });
    expect(otherName.of('cloud-function').fix).toMatch(/deploy quickstartFunctions to that environment with WeChat DevTools/);
    expect(otherName.of('shared-secret').status).toBe('skipped');

    const otherEnv = await examine({ env: { MINIPROGRAM_CLOUD_ENV: 'another-env' } });
    expect(otherEnv.of('cloud-function')).toMatchObject({ status: 'problem', fix: REASONS.CLOUD_ENV_INVALID.fix });
  });

  it('a function that does not know checkSetup (an older build) is a problem saying to deploy it again', async () => {
    const { of } = await examine({ emulator: { unknownEventTypes: ['checkSetup'] } });

    expect(of('cloud-function')).toMatchObject({ status: 'problem', summary: expect.stringContaining('UNKNOWN_TYPE'), fix: expect.stringMatching(/^the deployed function is older than this API: .*upload and deploy it again/) });
    expect(['shared-secret', 'templates'].map((check) => of(check as CheckName).status)).toEqual(['skipped', 'skipped']);
  });

  it("a secret that differs is a problem with TICKET_INVALID's fix; none on the function says to set it there", async () => {
    const differs = await examine({ emulator: { functionEnv: { LEADNOTIFY_SHARED_SECRET: 'another-secret-of-at-least-32-characters!' } } });
    expect(differs.of('shared-secret')).toMatchObject({ status: 'problem', summary: expect.stringContaining('二维码无效'), fix: REASONS.TICKET_INVALID.fix });
    await emulator?.stop();
    emulator = undefined;

    const missing = await examine({ emulator: { functionEnv: { LEADNOTIFY_SHARED_SECRET: '' } } });
    expect(missing.of('shared-secret')).toMatchObject({ status: 'problem', fix: expect.stringContaining("set the function's LEADNOTIFY_SHARED_SECRET to the API's value") });
    expect(exitCodeOf(missing.findings)).toBe(1);
  });

  it('no secret on the API is a problem saying to set it on the API and the function', async () => {
    const { of } = await examine({ env: { LEADNOTIFY_SHARED_SECRET: undefined } });

    expect(of('shared-secret')).toMatchObject({ status: 'problem', fix: expect.stringContaining('set LEADNOTIFY_SHARED_SECRET on the API and the function') });
  });

  it('a template id WeChat does not list is a problem with the fix', async () => {
    const { of } = await examine({ emulator: { functionEnv: { SUBSCRIBE_TEMPLATE_IDS: 'emulator-lead-assigned,tmpl-deleted-in-the-console' } } });

    expect(of('templates')).toMatchObject({
      status: 'problem',
      summary: expect.stringContaining("template tmpl-deleted-in-the-console is not among the mini program's templates"),
      fix: REASONS.TEMPLATE_INVALID.fix,
    });
  });

  it('a mapped keyword the template does not have is a problem naming it; a keyword the mapping leaves empty a warning', async () => {
    const { of } = await examine({ emulator: { templates: [{ id: 'tmpl-short', title: '客户分配通知', keywords: ['thing1', 'time2', 'thing3', 'phrase5'] }] } });

    expect(of('templates').status).toBe('problem');
    expect(of('templates').summary).toContain('客户分配通知 (tmpl-short) has no keyword thing4, which SUBSCRIBE_TEMPLATE_KEYWORDS maps to note');
    expect(of('templates').summary).toContain('phrase5 not filled');
    expect(of('templates').fix).toBe(REASONS.TEMPLATE_DATA_INVALID.fix);
  });

  it('push configured but never seen: a warning with the fix, a problem once subscribe messages went out without a receipt', async () => {
    const never = await examine({ pushSeen: false });
    expect(never.of('message-push')).toMatchObject({ status: 'warning', summary: expect.stringContaining('no push has arrived yet'), fix: expect.stringContaining('消息推送') });
    expect(exitCodeOf(never.findings)).toBe(0);

    const sent = await examine({
      pushSeen: false,
      before: async (db) => {
        const user = await seeder(db.db).user('sales');
        const at = new Date(Date.now() - 3_600_000).toISOString();
        await db.db.kysely
          .insertInto('notifications')
          .values({ id: randomUUID(), assignee_id: user.id, actor_id: user.id, via: 'web', note: null, status: 'sent', attempts: 1, next_attempt_at: at, created_at: at, updated_at: at, lease_owner: null, lease_until: null, delivery_id: 'd-1', reason: 'SENT', last_error: null, sent_at: at, wechat_openid: 'o-1', confirmed_at: null, template_id: null, msg_id: null, tried_at: at, channel: 'wechat-subscribe' })
          .execute();
      },
    });
    expect(sent.of('message-push')).toMatchObject({ status: 'problem', summary: expect.stringContaining('1 subscribe message(s) went out and no push ever arrived'), fix: expect.stringContaining('WECHAT_PUSH_TOKEN') });
  });

  it('push not configured is a warning saying what is lost', async () => {
    const { of } = await examine({ env: { WECHAT_PUSH_TOKEN: undefined } });

    expect(of('message-push')).toMatchObject({ status: 'warning', summary: expect.stringMatching(/no delivery receipts.*no acceptances/) });
  });

  it("WeCom refusing this server's IP (60020) is a problem naming 企业可信IP", async () => {
    emulator = await startEmulator({ functionEnv: { LEADNOTIFY_SHARED_SECRET: SECRET } });
    emulator.wecom.setFaults({ untrustedIp: true });

    const { findings, of } = await examine();

    expect(of('wecom-trusted-ip')).toMatchObject({ status: 'problem', summary: expect.stringContaining('60020'), fix: REASONS.WECOM_IP_NOT_TRUSTED.fix });
    expect(of('wecom-trusted-ip').fix).toContain('企业可信IP');
    expect(exitCodeOf(findings)).toBe(1);
  });

  it('a wrong WeCom secret is a problem naming WECOM_AGENT_SECRET', async () => {
    const { of } = await examine({ env: { WECOM_AGENT_SECRET: 'not-the-agent-secret' } });

    expect(of('wecom-credentials')).toMatchObject({ status: 'problem', fix: REASONS.WECOM_SECRET_INVALID.fix });
    expect(of('wecom-trusted-ip').status).toBe('skipped');
  });
});

describe('the doctor as a command and at the production start', () => {
  let emulator: RunningEmulator | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    emulator = undefined;
    dir = undefined;
  });

  async function deployment(functionSecret: string): Promise<Record<string, string>> {
    emulator = await startEmulator({ functionEnv: { LEADNOTIFY_SHARED_SECRET: functionSecret } });
    dir = mkdtempSync(join(tmpdir(), 'crm-api-doctor-'));
    return { ...deploymentEnv(emulator), DATABASE_URL: join(dir, 'doctor.db'), LEADNOTIFY_ENV_FILE: 'none' };
  }

  async function cli(env: Record<string, string>, ...args: string[]) {
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'doctor', ...args], { cwd: packageDir, env: { ...process.env, ...env } });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string };
      return { code: failed.code, stdout: failed.stdout };
    }
  }

  it('`pnpm cli doctor` prints one line per check with its fix and exits 1 on a problem; --json is the same for machines; no secret printed', async () => {
    const env = await deployment('another-secret-of-at-least-32-characters!');

    const text = await cli(env);
    const json = await cli(env, '--json');

    expect(text.code).toBe(1);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines).toContainEqual(expect.stringMatching(/^problem shared-secret: .*differs.* — fix: .*LEADNOTIFY_SHARED_SECRET/));
    expect(lines).toContainEqual(expect.stringMatching(/^ok +wechat-credentials: /));
    expect(lines.at(-1)).toMatch(/^1 problem\(s\), 1 warning\(s\)$/);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { findings: Finding[]; exitCode: number };
    expect(parsed.exitCode).toBe(1);
    expect(parsed.findings.find((found) => found.check === 'shared-secret')).toMatchObject({ status: 'problem', fix: REASONS.TICKET_INVALID.fix });
    for (const secret of [SECRET, 'another-secret-of-at-least-32-characters!', env.MINIPROGRAM_APPSECRET as string, env.WECOM_AGENT_SECRET as string, PUSH_TOKEN]) {
      expect(text.stdout + json.stdout).not.toContain(secret);
    }
  }, 60_000);

  it('a healthy deployment: exit code 0', async () => {
    const env = await deployment(SECRET);
    const result = await cli(env);
    expect([result.code, result.stdout.trim().split('\n').at(-1)]).toEqual([0, 'no problem found (1 warning(s))']);
  }, 60_000);

  it('the production start logs the findings after "crm-api listening", which a slow WeChat does not delay', async () => {
    const env = await deployment('another-secret-of-at-least-32-characters!');
    emulator!.setFaults({ latencyMs: 1500 });
    const child = await spawnTs('packages/crm-api/src/main.ts', {
      env: { ...env, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      ready: /"msg":"crm-api listening on (http:\/\/localhost:\d+)"/,
    });
    try {
      expect(child.output()).not.toContain('doctor:');
      await waitFor(() => child.output(), (output) => output.includes('"msg":"doctor: 1 problem(s)'), { what: "the doctor's summary", timeoutMs: 30_000 });
      const records = child.output().trim().split('\n').map((line) => JSON.parse(line) as { msg: string; level: number; doctor?: string; fix?: string; time: number });
      const listening = records.findIndex((record) => record.msg.startsWith('crm-api listening on '));
      const secret = records.findIndex((record) => record.doctor === 'shared-secret');
      expect(listening).toBeGreaterThanOrEqual(0);
      expect(secret).toBeGreaterThan(listening);
      expect(records[secret]).toMatchObject({ level: 50, fix: REASONS.TICKET_INVALID.fix });
      expect(records[secret]!.time - records[listening]!.time).toBeGreaterThanOrEqual(1400);
      expect(child.running()).toBe(true);
    } finally {
      await child.stop();
    }
  }, 60_000);
});
