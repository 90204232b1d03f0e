import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@leadnotify/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seeder, type SeededUser } from './helpers/seed.js';
import { chromiumMissing, consoleBrowserContext, launchChromium, startConsoleServer, type ConsoleServer } from './helpers/console-browser.js';

// jsqr is CommonJS with `exports.default`: under NodeNext the default import is the module object.
const jsQR = jsqr.default;

const missing = chromiumMissing();
if (missing) console.warn(`[console browser tests] skipped: ${missing}`);

/**
 * Screenshots of each page: into docs/console/ for docs/console.md with CONSOLE_SCREENSHOTS=1, else a temporary folder
 * (taken all the same, so a run does not leave the repository changed).
 */
const SHOTS = process.env.CONSOLE_SCREENSHOTS === '1' ? join(dirname(fileURLToPath(import.meta.url)), '../../../docs/console') : mkdtempSync(join(tmpdir(), 'console-shots-'));

/**
 * The console in a real Chromium against the real service (notifier, the emulator's WeChat and WeCom), with a team
 * seeded through the same path a real one takes: leads assigned through the API and delivered, or skipped, by the
 * notifier.
 */
describe.skipIf(missing !== undefined)('the console in Chromium', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let manager: SeededUser;
  let admin: SeededUser;
  const team: Record<'reached' | 'unbound' | 'wecom' | 'noSubscription' | 'wecomInvalid' | 'unknown', SeededUser> = {} as never;
  let failedId: string;

  const api = async (method: string, path: string, body?: unknown, who: SeededUser = manager) => {
    const response = await fetch(`${server.running.url}${path}`, { method, headers: who.headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
  };
  const customerNames = ['上海云杉贸易', '杭州青石科技', '苏州禾木家居', '南京远帆物流', '宁波海棠食品', '无锡松风建材', '合肥北辰医药'];
  async function assign(to: SeededUser): Promise<string> {
    const { id: customerId } = await seeder(server.running.db).customer(customerNames.shift() ?? '客户');
    const answer = await api('POST', `/api/customers/${customerId}/assign`, { assigneeId: to.id });
    expect(answer.status).toBe(200);
    return answer.body.notification.id as string;
  }
  const settled = (id: string) =>
    waitFor(
      async () => (await api('GET', `/api/notifications/${id}`)).body,
      (n) => !['pending', 'sending'].includes(n.status),
      { what: `notification ${id} to finish`, timeoutMs: 15_000 },
    );
  async function signedIn(who: SeededUser, options: { phone?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await consoleBrowserContext(browser, options);
    const page = await context.newPage();
    await page.goto(`${server.running.url}${await server.signInPath(who.id)}`);
    await page.locator('[data-link-sign-in] button').click();
    await page.waitForURL(/\/console\/#\/team$/);
    return { context, page };
  }
  const row = (page: Page, who: SeededUser) => page.locator(`tr[data-user-id="${who.id}"]`);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startConsoleServer();
    browser = await launchChromium();
    const seed = seeder(server.running.db);
    manager = await seed.user('manager', '王经理');
    admin = await seed.user('admin', '管理员');
    const person = async (name: string) => seed.user('sales', name);
    team.reached = await person('张三');
    team.unbound = await person('李四');
    team.wecom = await person('王五');
    team.noSubscription = await person('赵六');
    team.wecomInvalid = await person('孙七');
    team.unknown = await person('周八');
    // Bound, three taps accepting every lead template and keeping them ("总是保持以上选择"): a subscribe message.
    const templates = server.emulator.leadTemplates.map((template) => template.id);
    const reachedOpenid = await server.emulator.setupUser(team.reached.id, 0);
    for (let tap = 0; tap < 3; tap++) server.emulator.requestSubscribe(reachedOpenid, templates, 'accept', tap === 0);
    // Bound, none accepted, reachable on WeCom.
    await server.emulator.setupUser(team.wecom.id, 0);
    expect((await api('PATCH', `/api/users/${team.wecom.id}`, { wecomUserId: 'wangwu' }, admin)).status).toBe(200);
    server.emulator.wecom.addMember('wangwu');
    // Bound, turned the lead notice off in WeChat's settings, no WeCom: skipped.
    const offOpenid = await server.emulator.setupUser(team.noSubscription.id, 0);
    server.emulator.turnOff(offOpenid, templates[0]);
    // A WeCom userid WeCom does not know.
    await server.emulator.setupUser(team.wecomInvalid.id, 0);
    expect((await api('PATCH', `/api/users/${team.wecomInvalid.id}`, { wecomUserId: 'sunqi' }, admin)).status).toBe(200);

    // What the kit reports after the dialog: wx.getSetting's subscriptionsSetting of the lead templates.
    const kept = server.emulator.subscriptionsSetting(reachedOpenid);
    const always = templates.filter((id) => kept.itemSettings[id] === 'accept');
    expect((await api('POST', '/api/me/subscription-settings', { mainSwitch: kept.mainSwitch, always }, team.reached)).status).toBe(200);

    await server.emulator.settlePushes();
    const leads = [await assign(team.reached), await assign(team.unbound), await assign(team.wecom), await assign(team.noSubscription), await assign(team.wecomInvalid)];
    const finals = await Promise.all(leads.map(settled));
    expect(finals.map((n) => [n.status, n.reason])).toEqual([
      ['sent', 'SENT'],
      ['skipped', 'NOT_BOUND'],
      ['sent', 'SENT'],
      ['skipped', 'NO_SUBSCRIPTION'],
      ['skipped', 'WECOM_USER_INVALID'],
    ]);
    // A lead that fails for good: the cloud function is not deployed (-501009 FUNCTION_NOT_FOUND), then it is.
    server.emulator.setFaults({ failureRate: 1, errcode: -501009 });
    failedId = await assign(team.reached);
    expect(await settled(failedId)).toMatchObject({ status: 'failed', reason: 'FUNCTION_NOT_FOUND' });
    server.emulator.setFaults({ failureRate: 0 });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a link opened (by a mail scanner, say) is not used until 登录 is clicked; a used one brings the reason back in words', async () => {
    const link = await server.signInPath(manager.id);
    // Opened and left: nothing is spent.
    const scanner = await (await consoleBrowserContext(browser)).newPage();
    await scanner.goto(`${server.running.url}${link}`);
    await scanner.locator('[data-link-sign-in] button').waitFor();
    await scanner.screenshot({ path: join(SHOTS, 'sign-in-link.png') });
    await scanner.context().close();

    const context = await consoleBrowserContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.running.url}${link}`);
    await page.locator('[data-link-sign-in] button').click();
    await page.waitForURL(/#\/team$/);
    const other = await (await consoleBrowserContext(browser)).newPage();

    await other.goto(`${server.running.url}${link}`);
    await other.locator('[data-link-sign-in] button').click();

    await expect.poll(() => other.locator('[data-error]').getAttribute('data-error')).toBe('LINK_USED');
    await expect.poll(() => other.locator('[data-error]').textContent()).toContain('已经用过了');
    await other.screenshot({ path: join(SHOTS, 'sign-in.png') });
    await other.context().close();
    await context.close();
  });

  it('a manager signs in by scanning the sign-in page\'s code with the WeChat they bound, and the team page opens', async () => {
    const context = await consoleBrowserContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.running.url}/console/`);
    await page.waitForURL(/#\/sign-in$/);
    const image = page.locator('img.sign-in-qr');
    await image.waitFor();
    await expect.poll(() => image.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'sign-in-scan.png') });

    // The phone's camera: the code opens the mini program's console sign-in page with the scene.
    const png = PNG.sync.read(await image.screenshot());
    const text = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? '';
    expect(text).toMatch(/^leadnotify-emulator:\/\/pages\/console-sign-in\/index\?scene=[0-9A-Za-z]{16}$/);
    const scene = new URLSearchParams(text.split('?')[1]).get('scene') as string;

    // The kit on the manager's phone: the cloud function vouches for the WeChat (vouchCrmSession), crm-api exchanges the
    // vouch for a session token (as crm-session.ts does), and the page confirms with it (console-sign-in.ts).
    const openid = await server.emulator.setupUser(manager.id, 0, 'openid-manager-phone');
    const vouched = (await (
      await fetch(`${server.emulator.url}/_emulator/miniprogram/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ openid, event: { type: 'vouchCrmSession' } }),
      })
    ).json()) as { ok: boolean; vouch: string };
    expect(vouched.ok).toBe(true);
    const phone = await fetch(`${server.running.url}/api/wechat-session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vouch: vouched.vouch }) });
    expect(phone.status).toBe(200);
    const { token } = (await phone.json()) as { token: string };
    const confirmed = await fetch(`${server.running.url}/api/console/sign-in/scans/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ scene }),
    });
    expect(confirmed.status).toBe(200);

    await page.waitForURL(/#\/team$/, { timeout: 10_000 });
    await expect.poll(() => page.locator('.who').textContent()).toContain('王经理');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(6);
    await context.close();
  });

  it('a sign-in code that expired is offered again: 换一个二维码 shows a new one', async () => {
    const context = await consoleBrowserContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.running.url}/console/`);
    await page.locator('img.sign-in-qr').waitFor();

    server.setClockAhead(181_000);
    try {
      await page.locator('[data-scan-state="expired"]').waitFor({ timeout: 10_000 });
      expect(await page.locator('[data-scan-state="expired"]').textContent()).toContain('二维码已过期');
      await page.getByRole('button', { name: '换一个二维码' }).click();

      const image = page.locator('img.sign-in-qr');
      await image.waitFor();
      await expect.poll(() => image.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    } finally {
      server.setClockAhead(0);
    }
    await context.close();
  });

  it('a manager signs in by the one-time link and sees each salesperson, and whether the next lead reaches them', async () => {
    // 赵六's phone shows every subscribe message off, as the kit reports it.
    expect((await api('POST', '/api/me/subscription-settings', { mainSwitch: false, always: [] }, team.noSubscription)).status).toBe(200);
    const { context, page } = await signedIn(manager);

    // Salespeople only: the manager and the admin hear of no leads.
    await expect.poll(() => page.locator('tbody tr').count()).toBe(6);
    const nextLead = (who: SeededUser) => row(page, who).locator('.next-lead').textContent();
    expect(await nextLead(team.reached)).toContain('会立即收到');
    expect(await row(page, team.reached).getAttribute('data-reaches')).toBe('true');
    expect(await row(page, team.reached).locator('.binding').textContent()).toContain('已绑定');
    expect(await row(page, team.reached).locator('.last-delivered').textContent()).toContain('上海云杉贸易');
    await expect.poll(() => row(page, team.reached).locator('.stock .chip').count()).toBe(3);
    expect(await row(page, team.noSubscription).locator('.turned-off').textContent()).not.toBe('—');
    expect(await nextLead(team.unbound)).toContain('不会收到');
    expect(await nextLead(team.unbound)).toContain('未绑定');
    expect(await row(page, team.unbound).locator('.binding').textContent()).toContain('未绑定');
    expect(await nextLead(team.wecom)).toContain('会立即收到');
    expect(await row(page, team.wecom).locator('.wecom').textContent()).toMatch(/wangwu.*可送达/);
    expect(await row(page, team.noSubscription).getAttribute('data-reaches')).toBe('false');
    expect(await row(page, team.noSubscription).locator('.last-skipped').textContent()).toMatch(/\S/);
    expect(await row(page, team.wecomInvalid).locator('.wecom').textContent()).toContain('不可送达');
    expect(await nextLead(team.unknown)).toContain('尚不确定');
    // Unknown is not "not bound": nobody told the CRM.
    expect(await row(page, team.unknown).locator('.binding').textContent()).toContain('未知');
    expect((await row(page, team.reached).locator('.always').textContent())?.split('、').sort()).toEqual(['模板1', '模板2', '模板3']);
    expect(await row(page, team.noSubscription).locator('.turned-off').textContent()).toBe('已关闭全部订阅消息');
    await page.screenshot({ path: join(SHOTS, 'team.png'), fullPage: true });
    await context.close();
  });

  it("requeues a salesperson's skipped notifications once they bound WeChat, and the page shows them delivered", async () => {
    const { context, page } = await signedIn(manager);
    await server.emulator.setupUser(team.unbound.id, 3);

    await row(page, team.unbound).locator('[data-action="requeue"]').click();

    await expect.poll(() => page.locator('.notice').textContent()).toContain('已重新发送');
    await expect.poll(() => row(page, team.unbound).locator('.last-delivered').textContent(), { timeout: 15_000 }).not.toBe('—');
    expect(server.emulator.messages.some((message) => message.touser === `emu-openid-${team.unbound.id}`)).toBe(true);
    await context.close();
  });

  it('opens a failed notification with its attempts and the fix, and retries it', async () => {
    const { context, page } = await signedIn(manager);
    await page.goto(`${server.running.url}/console/#/notifications?status=failed`);
    await page.locator(`tr[data-notification-id="${failedId}"] a`).click();
    await page.waitForURL(new RegExp(`#/notifications/${failedId}$`));
    await expect.poll(() => page.locator('.attempts tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('.fix').textContent()).toContain('部署云函数');
    await page.screenshot({ path: join(SHOTS, 'notification.png'), fullPage: true });

    await page.locator('[data-action="retry"]').click();

    await expect.poll(() => page.locator('h1 [data-status]').getAttribute('data-status'), { timeout: 15_000 }).toBe('sent');
    expect((await api('GET', `/api/notifications/${failedId}`)).body.status).toBe('sent');
    await context.close();
  });

  it('lists notifications newest first, filtered on the server', async () => {
    const { context, page } = await signedIn(manager);
    await page.goto(`${server.running.url}/console/#/notifications`);
    // Five leads and the one that failed; a requeue or a retry sends the same notification again.
    await expect.poll(() => page.locator('[data-total]').getAttribute('data-total')).toBe('6');
    await page.screenshot({ path: join(SHOTS, 'notifications.png'), fullPage: true });

    await page.selectOption('select[name="status"]', 'skipped');
    await page.click('form.filters button[type="submit"]');

    await page.waitForURL(/status=skipped/);
    await expect.poll(() => page.locator('tbody tr[data-status]').evaluateAll((rows) => rows.map((one) => one.getAttribute('data-status')))).toEqual(['skipped', 'skipped']);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const yesterday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() - 86_400_000));
    await page.goto(`${server.running.url}/console/#/notifications?from=${today}&to=${today}`);
    await expect.poll(() => page.locator('[data-total]').getAttribute('data-total')).toBe('6');
    await page.goto(`${server.running.url}/console/#/notifications?to=${yesterday}`);
    await expect.poll(() => page.locator('.muted').filter({ hasText: '没有符合条件的通知' }).count()).toBe(1);
    await context.close();
  });

  it("draws the overview, each chart's numbers in the page", async () => {
    const { context, page } = await signedIn(manager);
    await page.goto(`${server.running.url}/console/#/overview`);
    const series = async (chart: string) => JSON.parse((await page.locator(`[data-chart="${chart}"]`).getAttribute('data-series')) ?? 'null');
    await page.locator('[data-chart="by-status"] canvas').waitFor();

    const byStatus = await series('by-status');
    const today = (key: string) => byStatus.series.find((one: { key: string }) => one.key === key)?.values.at(-1);
    expect(byStatus.labels).toHaveLength(14);
    // By their status now: the requeued and the retried ones went out.
    expect(today('sent')).toBe(4);
    expect(today('skipped')).toBe(2);
    const byChannel = await series('by-channel');
    expect(byChannel.series.map((one: { key: string; values: number[] }) => [one.key, one.values.at(-1)])).toEqual([
      ['wechat', 3],
      ['wecom', 1],
    ]);
    const latency = await series('latency');
    expect(latency.series[0].values.reduce((sum: number, count: number) => sum + count, 0)).toBe(4);
    expect((await series('unreachable')).series[0].values).toHaveLength(14);
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
    await context.close();
  });

  it("shows a salesperson's binding code, a QR code that reads back as the mini program's bind page", async () => {
    const { context, page } = await signedIn(manager);
    await row(page, team.unknown).locator('[data-action="qr"]').click();
    const image = page.locator('img.binding-qr');
    await image.waitFor();
    await expect.poll(() => image.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);

    const png = PNG.sync.read(await image.screenshot());
    const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);

    expect(code?.data).toMatch(/^leadnotify-emulator:\/\/.*bind.*\?scene=/);
    await context.close();
  });

  it("an admin sets a salesperson's WeCom userid from the team page, and the next lead would reach them there", async () => {
    const { context, page } = await signedIn(admin);
    server.emulator.wecom.addMember('zhouba');
    const editor = row(page, team.unknown).locator('.actions');

    await editor.getByRole('button', { name: '设置企业微信' }).click();
    await editor.locator('input[name="wecomUserId"]').fill('ZhouBa');
    await editor.getByRole('button', { name: '保存' }).click();

    await expect.poll(() => row(page, team.unknown).locator('.wecom').textContent()).toMatch(/zhouba.*可送达/);
    await expect.poll(() => row(page, team.unknown).locator('.next-lead').textContent()).toContain('会立即收到');
    expect((await api('GET', `/api/users/${team.unknown.id}`, undefined, admin)).body.wecomUserId).toBe('zhouba');
    await context.close();
  });

  it('signs out: the session ends and the page goes back to signing in', async () => {
    const { context, page } = await signedIn(manager);

    await page.getByRole('button', { name: '退出' }).click();

    await page.waitForURL(/#\/sign-in$/);
    expect(await page.evaluate(async () => (await fetch('/api/console/session')).status)).toBe(401);
    await context.close();
  });

  it('refuses a change that does not carry the CSRF token', async () => {
    const { context, page } = await signedIn(manager);
    const path = `/api/users/${team.noSubscription.id}/notifications/requeue-skipped`;

    const answers = await page.evaluate(async (url) => {
      const session = (await (await fetch('/api/console/session')).json()) as { csrfToken: string };
      const without = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const withToken = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: '{}' });
      return [without.status, ((await without.json()) as { error?: { code?: string } }).error?.code, withToken.status];
    }, path);

    expect(answers).toEqual([403, 'CSRF_REJECTED', 200]);
    await context.close();
  });

  it('a salesperson sees only their own row and notifications, without the managers\' actions', async () => {
    const { context, page } = await signedIn(team.reached, { phone: true });

    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('tbody tr').getAttribute('data-user-id')).toBe(team.reached.id);
    expect(await page.locator('[data-action="requeue"]').count()).toBe(0);
    expect(await page.locator('[data-action="qr"]').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'team-phone.png'), fullPage: true });
    await page.goto(`${server.running.url}/console/#/notifications`);
    await expect.poll(() => page.locator('[data-total]').getAttribute('data-total')).toBe('2');
    expect(await page.locator('nav a[href="#/overview"]').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'notifications-phone.png'), fullPage: true });
    await context.close();
  });

  it('fits a phone: the overview at 390 px', async () => {
    const { context, page } = await signedIn(manager, { phone: true });
    await page.goto(`${server.running.url}/console/#/overview`);
    await page.locator('[data-chart="unreachable"] canvas').waitFor();

    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
    });

    expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.clientWidth);
    await page.screenshot({ path: join(SHOTS, 'overview-phone.png'), fullPage: true });
    await context.close();
  });
});
