import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { startLocalWechat } from '@leadnotify/wechat-emulator';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { createConsoleSignInLink } from '../src/domain/console-sessions.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/server.js';
import { chromiumMissing, consoleBrowserContext, launchChromium } from '../test/helpers/console-browser.js';
import { seedNotifications, type SeededNotification } from '../test/helpers/seed-notifications.js';
import { seedBenchDb } from './seed-bench.js';

const USAGE = `pnpm bench console [--notifications N] [--salespeople N] [--runs N] [--engine sqlite|postgres]

Seeds N notifications (default 10,000) over the last 14 days for a team, starts the service, and measures what a
manager waits for: the team page and the first page of notifications, in Chromium from a cold browser cache (the
page, its assets and the API calls), and the API calls alone. Target: each page shown within 1 s.`;

const TARGET_MS = 1000;
const STATUSES: Array<{ status: NonNullable<SeededNotification['status']>; reason: string; share: number }> = [
  { status: 'sent', reason: 'SENT', share: 0.8 },
  { status: 'skipped', reason: 'NOT_BOUND', share: 0.06 },
  { status: 'skipped', reason: 'NO_SUBSCRIPTION', share: 0.08 },
  { status: 'failed', reason: 'FUNCTION_NOT_FOUND', share: 0.02 },
  { status: 'unconfirmed', reason: 'TIMEOUT', share: 0.02 },
  { status: 'withdrawn', reason: 'NO_LONGER_ASSIGNED', share: 0.02 },
];

function statusAt(fraction: number) {
  let sum = 0;
  for (const entry of STATUSES) {
    sum += entry.share;
    if (fraction < sum) return entry;
  }
  return STATUSES[0]!;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? Number.NaN;
  return { median: at(0.5), max: sorted.at(-1) ?? Number.NaN };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export async function runConsoleBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { notifications: { type: 'string' }, salespeople: { type: 'string' }, runs: { type: 'string' }, engine: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return void console.log(USAGE);
  const count = Number(values.notifications ?? 10_000);
  const salespeople = Number(values.salespeople ?? 30);
  const runs = Number(values.runs ?? 5);
  const engine = values.engine === 'postgres' ? 'postgres' : 'sqlite';

  const seeded = await seedBenchDb({ sales: salespeople, customers: 1, engine });
  const managerId = (await seeded.db.kysely.selectFrom('users').select('id').where('role', '=', 'manager').executeTakeFirstOrThrow()).id;
  const now = Date.now();
  const rows: SeededNotification[] = Array.from({ length: count }, (_unused, index) => {
    const createdMs = now - Math.floor((index / count) * 14 * 86_400_000) - 1000;
    const { status, reason } = statusAt((index * 7919) % 1000 / 1000);
    return {
      assigneeId: seeded.salesIds[index % seeded.salesIds.length]!,
      createdAt: new Date(createdMs).toISOString(),
      status,
      reason,
      channel: status === 'sent' ? (index % 5 === 0 ? 'wecom' : 'wechat-subscribe') : null,
      sentAt: status === 'sent' ? new Date(createdMs + 300 + (index % 40) * 250).toISOString() : null,
      customerName: `基准客户${index}`,
      openid: status === 'sent' ? `emu-openid-${index % seeded.salesIds.length}` : undefined,
    } as SeededNotification;
  });
  const seedMs = await timed(() => seedNotifications(seeded.db.kysely, { actorId: managerId, customerId: seeded.customerIds[0]! }, rows));
  console.log(`seeded ${count} notifications for ${salespeople} salespeople on ${engine} in ${Math.round(seedMs)} ms`);

  const emulator = await startLocalWechat({ functionName: 'quickstartFunctions' });
  const running = await startServer(
    loadConfig({ DATABASE_URL: seeded.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', NOTIFIER: 'off', ...emulator.env }),
    createLogger('warn', new Writable({ write: (_chunk, _encoding, done) => done() })),
  );
  const results: Array<[string, number, number]> = [];
  let browser: Browser | undefined;
  try {
    const api = (path: string) => fetch(`${running.url}${path}`, { headers: { authorization: `Bearer ${seeded.managerToken}` } }).then(async (response) => {
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      return response.json();
    });
    // The first request of a process bundles the console: measured once, on its own.
    const firstPage = await timed(() => fetch(`${running.url}/console/`).then((response) => response.text()));
    console.log(`first /console/ of the process (esbuild bundles the console): ${Math.round(firstPage)} ms`);
    await api('/api/console/team');
    await api('/api/notifications?limit=50');
    const apiTeam: number[] = [];
    const apiList: number[] = [];
    for (let run = 0; run < runs * 4; run++) {
      apiTeam.push(await timed(() => api('/api/console/team')));
      apiList.push(await timed(() => api('/api/notifications?limit=50')));
    }
    results.push(['API GET /api/console/team', stats(apiTeam).median, stats(apiTeam).max]);
    results.push(['API GET /api/notifications?limit=50 (with total)', stats(apiList).median, stats(apiList).max]);

    const missing = chromiumMissing();
    if (missing) {
      console.log(`no browser measurement: ${missing}`);
    } else {
      browser = await launchChromium();
      const teamPage: number[] = [];
      const listPage: number[] = [];
      for (let run = 0; run < runs; run++) {
        // A new profile each run: empty cache, so the page and its assets are fetched too.
        const context = await consoleBrowserContext(browser);
        const page = await context.newPage();
        const link = new URL((await createConsoleSignInLink(running.context, managerId)).url);
        teamPage.push(
          await timed(async () => {
            await page.goto(`${running.url}${link.pathname}${link.search}`);
            await page.locator('[data-link-sign-in] button').click();
            await page.locator('tbody tr').nth(salespeople - 1).waitFor();
          }),
        );
        await context.clearCookies();
        const fresh = await consoleBrowserContext(browser);
        const listTab = await fresh.newPage();
        const second = new URL((await createConsoleSignInLink(running.context, managerId)).url);
        await listTab.goto(`${running.url}${second.pathname}${second.search}`);
        await listTab.locator('[data-link-sign-in] button').click();
        await listTab.locator('tbody tr').first().waitFor();
        listPage.push(
          await timed(async () => {
            await listTab.goto(`${running.url}/console/#/notifications`);
            await listTab.locator(`[data-total="${count}"]`).waitFor();
            await listTab.locator('tbody tr[data-status]').nth(49).waitFor();
          }),
        );
        await fresh.close();
        await context.close();
      }
      results.push(['Chromium: 团队触达 from a cold cache (link → 登录 → rows shown)', stats(teamPage).median, stats(teamPage).max]);
      results.push(['Chromium: 通知记录 first page of 50 (of the total)', stats(listPage).median, stats(listPage).max]);
    }
    console.log(`\n| ${count} notifications, ${salespeople} salespeople, ${engine} | median | max | target |\n|---|---|---|---|`);
    for (const [name, median, max] of results) console.log(`| ${name} | ${Math.round(median)} ms | ${Math.round(max)} ms | ${max <= TARGET_MS ? 'met' : 'MISSED'} (≤ ${TARGET_MS} ms) |`);
  } finally {
    await browser?.close();
    await running.stop();
    await emulator.stop();
    // Last: on PostgreSQL this drops the benchmark's schema.
    await seeded.db.close();
  }
}
