import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, spawnTs, type ChildService } from './helpers/child-process.js';
import { waitFor } from '@leadnotify/test-support';

const run = promisify(execFile);

/** The environment of a newcomer: no WeChat credentials at all. */
function newcomerEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const wechatKeys = Object.keys(process.env).filter((key) => key.startsWith('MINIPROGRAM_') || key.startsWith('WECHAT_'));
  return { ...Object.fromEntries(wechatKeys.map((key) => [key, undefined])), ...extra };
}

describe('starting the service the way the README says', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-api-start-'));
  let child: ChildService;
  let output = '';

  beforeAll(async () => {
    // `pnpm start` runs exactly this from the repository root; ready once the last curl line (the scan) is out.
    child = await spawnTs('scripts/start-local.ts', {
      env: newcomerEnv({ DATABASE_URL: join(dir, 'leadnotify.db'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }),
      ready: /crm-api listening on (http:\/\/localhost:\d+)[\s\S]*^curl [^\n]*_emulator\/scan[^\n]*\n/m,
      timeoutMs: 30_000,
    });
    output = child.output();
  }, 40_000);

  afterAll(async () => {
    await child?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says it uses the local emulator, seeds a demo, and the printed curl lines deliver a message', async () => {
    expect(output).toContain('using the local WeChat emulator');
    const curls = output.split('\n').filter((line) => line.startsWith('curl '));
    expect(curls).toHaveLength(6);

    const assigned = JSON.parse((await run('bash', ['-c', curls[0]!])).stdout);
    expect(assigned).toMatchObject({ changed: true, notification: { status: 'pending' } });

    const listed = await waitFor(
      async () => JSON.parse((await run('bash', ['-c', curls[1]!])).stdout) as { items: Array<{ status: string }> },
      (list) => list.items[0]?.status === 'sent',
      { what: 'the second curl line to list the notification as sent', intervalMs: 100 },
    );
    expect(listed.items[0]?.status).toBe('sent');

    const messages = JSON.parse((await run('bash', ['-c', curls[2]!])).stdout);
    expect(messages.items).toHaveLength(1);
    expect(messages.items[0]).toMatchObject({ templateId: 'emulator-lead-assigned', deliveryId: assigned.notification.id });
  }, 30_000);

  it("gives the console's 团队触达 a demo team in every state, right after start", async () => {
    const manager = /^\s+manager\s+\S+\s+id=\S+\s+token=(\S+)/m.exec(output)![1]!;
    const api = /crm-api listening on (http:\/\/localhost:\d+)/.exec(output)![1]!;
    type Row = {
      user: { name: string };
      binding: { bound: boolean | null };
      stock: Record<string, number>;
      always: string[];
      mainSwitch: boolean | null;
      turnedOff: string[];
      wecom: { userId: string | null; reachable: boolean };
      lastSkipped: { reason: string | null } | null;
      nextLead: { reaches: boolean; channel: string | null; text: string };
    };

    const items = (await (await fetch(`${api}/api/console/team`, { headers: { authorization: `Bearer ${manager}` } })).json()) as { items: Row[] };
    const row = (name: string) => items.items.find((item) => item.user.name === name)!;

    expect(items.items.map((item) => item.user.name).sort()).toEqual(['张三', '李四', '王五', '赵六', '钱七', '孙八', '周九'].sort());
    // Reachable by subscription: bound, every lead template in stock.
    expect(row('张三')).toMatchObject({ binding: { bound: true }, always: [], nextLead: { reaches: true, channel: 'wechat', text: '会立即收到' } });
    expect(Object.values(row('张三').stock)).toHaveLength(3);
    expect(Object.values(row('张三').stock).every((count) => count > 0)).toBe(true);
    // Reached on WeCom only: WeChat has told nothing of him (unknown, not "not bound").
    expect(row('李四')).toMatchObject({ binding: { bound: null }, stock: {}, wecom: { userId: 'lisi', reachable: true }, nextLead: { reaches: true } });
    // Not bound: his lead was skipped.
    expect(row('王五')).toMatchObject({ binding: { bound: false }, lastSkipped: { reason: 'NOT_BOUND' }, nextLead: { reaches: false, text: '不会收到：未绑定' } });
    // Turned the lead notice off in WeChat's settings.
    expect(row('赵六')).toMatchObject({ binding: { bound: true }, nextLead: { reaches: false, text: '不会收到：没有可用的订阅次数' } });
    expect(row('赵六').turnedOff).toHaveLength(3);
    // A WeCom userid WeCom refuses.
    expect(row('钱七')).toMatchObject({ wecom: { userId: 'qianqi', reachable: false }, lastSkipped: { reason: 'WECOM_USER_INVALID' }, nextLead: { reaches: false } });
    // "总是保持以上选择" ticked, as the phone reported.
    expect(row('孙八')).toMatchObject({ binding: { bound: true }, mainSwitch: true, nextLead: { reaches: true, channel: 'wechat' } });
    expect(row('孙八').always).toHaveLength(3);
    // Unknown: nothing told, no WeCom.
    expect(row('周九')).toMatchObject({ binding: { bound: null }, stock: {}, wecom: { userId: null }, lastSkipped: null, nextLead: { reaches: false, channel: null, text: '尚不确定：微信还没有告诉我们' } });
    expect(output).toContain("The demo team on the console's 团队触达 page:");
  }, 20_000);

  it('shows one salesperson reached by WeCom: the next two curl lines assign a lead to 李四 and show the WeCom message', async () => {
    const curls = output.split('\n').filter((line) => line.startsWith('curl '));

    const assigned = JSON.parse((await run('bash', ['-c', curls[3]!])).stdout);
    // Reachable either way; which channel is not known before WeChat has said anything of his subscriptions.
    expect(assigned).toMatchObject({ changed: true, notification: { expected: 'reachable', expectedChannel: null } });
    const wecom = await waitFor(
      async () => JSON.parse((await run('bash', ['-c', curls[4]!])).stdout) as { items: Array<{ touser: string; msgtype: string; content: { url: string } }> },
      (list) => list.items.length > 0,
      { what: 'the WeCom message', intervalMs: 100 },
    );
    expect(wecom.items).toEqual([expect.objectContaining({ touser: 'lisi', msgtype: 'textcard' })]);
    // The demo has no CRM page of a customer: the card opens the console's notifications of that customer.
    expect(wecom.items[0]!.content.url).toMatch(new RegExp(`^http://localhost:\\d+/console/#/notifications\\?customerId=${assigned.customer.id}$`));
    // What the subscribe message said of that lead (none left) is kept: the team page now names WeCom for his next one.
    const api = /crm-api listening on (http:\/\/localhost:\d+)/.exec(output)![1]!;
    const manager = /^\s+manager\s+\S+\s+id=\S+\s+token=(\S+)/m.exec(output)![1]!;
    const team = await waitFor(
      async () => (await (await fetch(`${api}/api/console/team`, { headers: { authorization: `Bearer ${manager}` } })).json()) as { items: Array<{ user: { name: string }; nextLead: unknown }> },
      (page) => (page.items.find((item) => item.user.name === '李四')?.nextLead as { channel?: string } | undefined)?.channel === 'wecom',
      { what: "李四's row naming WeCom", intervalMs: 100 },
    );
    expect(team.items.find((item) => item.user.name === '李四')?.nextLead).toEqual({ reaches: true, channel: 'wecom', text: '会立即收到（企业微信）' });
  }, 30_000);

  it('notify:smoke reports a delivered message, and diagnoses an unbound assignee with a non-zero exit', async () => {
    const token = (role: string) => new RegExp(`^\\s+${role}\\s+\\S+\\s+id=(\\S+)\\s+token=(\\S+)`, 'm').exec(output);
    const manager = token('manager');
    const admin = token('admin');
    const sales = output.match(/^\s+sales\s+\S+\s+id=(\S+)/gm)?.map((line) => /id=(\S+)/.exec(line)![1]!) ?? [];
    const api = /curl -s -X POST (http:\/\/[^/]+)/.exec(output)![1]!;
    const smoke = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'packages/crm-api/src/smoke/notify-smoke.ts', '--api', api, '--token', manager![2]!, '--timeout', '15', ...args], { cwd: repoRoot }).then(
        (result) => ({ code: 0, stdout: result.stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    const authorization = { authorization: `Bearer ${admin![2]}`, 'content-type': 'application/json' };
    const customer = await (await fetch(`${api}/api/customers`, { method: 'POST', headers: authorization, body: JSON.stringify({ name: '冒烟测试客户' }) })).json() as { id: string };
    const newcomer = await (await fetch(`${api}/api/users`, { method: 'POST', headers: authorization, body: JSON.stringify({ name: '新人', role: 'sales' }) })).json() as { id: string };

    const delivered = await smoke(['--customer', customer.id, '--assignee', sales[1]!]);
    const unbound = await smoke(['--customer', customer.id, '--assignee', newcomer.id]);

    expect(delivered.code).toBe(0);
    expect(delivered.stdout).toContain('✓ Delivered');
    expect(unbound.code).toBe(2);
    expect(unbound.stdout).toContain('has not bound their WeChat');
    expect(unbound.stdout).toContain('Fix:');
  }, 60_000);

  it('prints the second salesperson\'s binding code, and its curl line lets the emulator\'s phone scan it', async () => {
    const sales = output.match(/^\s+sales\s+\S+\s+id=(\S+)/gm)?.map((line) => /id=(\S+)/.exec(line)![1]!) ?? [];
    expect(output).toMatch(/binding code \(single use[^\n]*\n[▀▄█ ]+\n/);
    const scan = output.split('\n').find((line) => line.startsWith('curl ') && line.includes('/_emulator/scan'))!;

    const scanned = JSON.parse((await run('bash', ['-c', scan])).stdout);

    expect(scanned).toMatchObject({ outcome: 'BOUND', crmUserId: sales[1], openid: 'emu-phone' });
  }, 20_000);

  it("prints the demo admin's console sign-in link, which signs them in once", async () => {
    const admin = /^\s+admin\s+\S+\s+id=(\S+)/m.exec(output)![1]!;
    const link = /^\s+(http:\/\/localhost:\d+\/console\/sign-in\?link=\S+)$/m.exec(output)![1]!;

    // Opening it goes to the console's sign-in page, which spends it when 登录 is clicked.
    const opened = await fetch(link, { redirect: 'manual' });
    const token = new URL(link).searchParams.get('link')!;
    expect([opened.status, opened.headers.get('location')]).toEqual([303, `/console/#/sign-in?link=${token}`]);
    const signIn = () => fetch(new URL('/api/console/sign-in/links', link), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ link: token }) });
    const signedIn = await signIn();
    const cookie = signedIn.headers.get('set-cookie')!.split(';', 1)[0]!;
    const session = await (await fetch(new URL('/api/console/session', link), { headers: { cookie } })).json() as { user: { id: string } };
    const again = await signIn();

    expect(signedIn.status).toBe(200);
    expect(session.user.id).toBe(admin);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('LINK_USED');
  }, 20_000);

  it('stops cleanly on SIGTERM', async () => {
    expect(await child.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 20_000);
});

describe('Ctrl-C on the README\'s `pnpm start`', () => {
  it('stops the service cleanly, and pnpm reports no failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-api-ctrl-c-'));
    // A terminal's Ctrl-C signals the whole foreground process group: npx, pnpm, whatever shell pnpm runs the
    // script in (none: pnpm's own shell) and the service. Its own group here, so the signal reaches exactly those.
    const env = { ...process.env, ...newcomerEnv({ DATABASE_URL: join(dir, 'leadnotify.db'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }) };
    for (const key of Object.keys(env)) if (key.startsWith('TEST_') || env[key] === undefined) delete env[key];
    const child = spawn('npx', ['--yes', 'pnpm@12.4.2', 'start'], { cwd: repoRoot, env, detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // npx itself dies of the signal, as in a terminal; the rest have ended when the last of them closes the output.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    try {
      await waitFor(() => output, (text) => text.includes('crm-api listening on'), { what: '`pnpm start` to listen', timeoutMs: 50_000, intervalMs: 100 });
      process.kill(-child.pid!, 'SIGINT');

      await closed;
      expect(output).toContain('Ctrl-C: shutting down');
      expect(output).not.toMatch(/ELIFECYCLE|Command failed/);
    } finally {
      if (child.stdout.readable) process.kill(-child.pid!, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 70_000);
});
