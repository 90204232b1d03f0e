import { Writable } from 'node:stream';
import { LEAD_TEMPLATES, startLocalWechat, type LocalWechat } from '@leadnotify/wechat-emulator';
import { waitFor } from '@leadnotify/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { seeder, type SeededUser } from './helpers/seed.js';
import { createTestDatabase, testEngines, type TestDatabase } from './helpers/test-database.js';

const TOKEN = 'leadTemplatesToken';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const IDS = LEAD_TEMPLATES.map((template) => template.id);

/**
 * The lead notice with three one-time templates, through the emulator and its pushes: one tap accepts three messages,
 * the CRM counts the stock per template and in total, and says so where a manager looks when it runs out.
 */
describe.each(testEngines())('three lead templates on %s', (engine) => {
  let database: TestDatabase;
  let running: RunningServer<LocalWechat>;
  let manager: SeededUser;
  let sales: SeededUser;
  let openid: string;

  beforeEach(async () => {
    database = await createTestDatabase(engine);
    await database.db.close();
    running = await startServer(
      loadConfig({ DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', WECHAT_PUSH_TOKEN: TOKEN, WECHAT_PUSH_AES_KEY: AES_KEY, NOTIFY_POLL_MS: '50', LOG_LEVEL: 'warn' }),
      createLogger('warn', new Writable({ write: (_chunk, _encoding, done) => done() })),
      { localWechat: (base) => startLocalWechat({ functionName: base.WECHAT_CLOUD_FUNCTION, templates: LEAD_TEMPLATES }) },
    );
    await running.localWechat!.configurePush({ url: `${running.url}/wechat/push`, token: TOKEN, encodingAesKey: AES_KEY, mode: 'safe' });
    manager = await seeder(running.db).user('manager');
    sales = await seeder(running.db).user('sales');
    openid = await running.localWechat!.setupUser(sales.id, 0);
  });
  afterEach(async () => {
    await running.stop();
    await database.drop();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${running.url}${path}`, { method, headers: manager.headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const reachability = async () => (await api('GET', `/api/users/${sales.id}/reachability`)).body;
  const assign = async () => {
    const [customerId] = await seeder(running.db).customers(1);
    return (await api('POST', `/api/customers/${customerId}/assign`, { assigneeId: sales.id })).body.notification as { id: string; expected: string };
  };
  const salespeopleGauge = async () => {
    const text = await (await fetch(`${running.url}/metrics`)).text();
    return Object.fromEntries([...text.matchAll(/^leadnotify_salespeople\{expected="([^"]+)"\} (\d+)$/gm)].map((match) => [match[1], Number(match[2])]));
  };
  const tapAcceptingAll = () => running.localWechat!.subscribePopup(openid, [Object.fromEntries(IDS.map((id) => [id, 'accept']))]);

  it('one tap accepting the three templates: stock 3 (1 each), three leads go out at once, one with each template; then the CRM says none is left', async () => {
    tapAcceptingAll();
    const stocked = await waitFor(reachability, (r) => r.acceptancesInStock === 3, { what: 'the three acceptances pushed and applied' });
    expect(stocked.acceptancesByTemplate.map((t: { templateId: string; remaining: number }) => [t.templateId, t.remaining])).toEqual(
      [...IDS].sort().map((id) => [id, 1]),
    );
    expect(stocked.expected).toBe('reachable');

    const leads = [await assign(), await assign(), await assign()];
    await waitFor(() => running.localWechat!.messages.length, (count) => count === 3, { what: 'three messages' });

    expect(running.localWechat!.messages.map((message) => message.templateId).sort()).toEqual([...IDS].sort());
    expect(leads[0]!.expected).toBe('reachable');
    // Each delivery receipt, of its own template, confirms its own message.
    const confirmed = await waitFor(
      () => Promise.all(leads.map(async (lead) => (await api('GET', `/api/notifications/${lead.id}`)).body)),
      (all) => all.every((n) => n.confirmedAt !== null),
      { what: 'the three receipts' },
    );
    expect(confirmed.map((n) => n.status)).toEqual(['sent', 'sent', 'sent']);
    const empty = await waitFor(reachability, (r) => r.acceptancesInStock === 0, { what: 'the stock to be used up' });
    expect(empty).toMatchObject({ expected: 'unreachable: NO_SUBSCRIPTION', turnedOff: false });
    expect(empty.acceptancesByTemplate.map((t: { remaining: number }) => t.remaining)).toEqual([0, 0, 0]);
    expect((await assign()).expected).toBe('unreachable: NO_SUBSCRIPTION');
    // The demo's users are in the gauge too (started on an empty database): ours is the one without a subscription.
    expect(await salespeopleGauge()).toMatchObject({ 'unreachable: NO_SUBSCRIPTION': 1 });
  });

  it('an acceptance WeChat does not push (a silent one, "总是保持以上选择"): the kit\'s report catches the salesperson up', async () => {
    const keepAll = running.localWechat!.requestSubscribe(openid, IDS, 'accept', true);
    expect(keepAll.dialogShown).toBe(true);
    await waitFor(reachability, (r) => r.acceptancesInStock === 3, { what: 'the dialog\'s acceptances' });
    const leads = [await assign(), await assign(), await assign(), await assign()];
    const skipped = await waitFor(
      async () => (await api('GET', `/api/notifications/${leads[3]!.id}`)).body,
      (n) => n.status === 'skipped',
      { what: 'the fourth lead to find no acceptance' },
    );
    expect(skipped.reason).toBe('NO_SUBSCRIPTION');

    // An ordinary tap: no dialog, three more acceptances at WeChat, and no push of them.
    const silent = running.localWechat!.requestSubscribe(openid, IDS);
    expect(silent.dialogShown).toBe(false);
    await running.localWechat!.settlePushes();
    expect((await api('GET', `/api/notifications/${leads[3]!.id}`)).body.status).toBe('skipped');
    const report = async (results: Record<string, string>) =>
      (await fetch(`${running.url}/api/me/subscription-answers`, { method: 'POST', headers: sales.headers, body: JSON.stringify({ results }) })).json() as Promise<{ caughtUp: number }>;
    expect(await report(Object.fromEntries(IDS.map((id) => [id, 'reject'])))).toEqual({ caughtUp: 0 });

    // The kit's two hints, as it sends them: the function's (lifts the refusals its 43101s recorded), then the CRM's.
    await fetch(`${running.localWechat!.url}/_emulator/miniprogram/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ openid, event: { type: 'recordSubscription', results: silent.results } }),
    });
    expect(await report(silent.results)).toEqual({ caughtUp: 1 });

    const caughtUp = await waitFor(async () => (await api('GET', `/api/notifications/${leads[3]!.id}`)).body, (n) => n.status === 'sent', { what: 'the skipped lead sent' });
    expect(caughtUp.reason).toBe('SENT');
    expect(running.localWechat!.messages).toHaveLength(4);
  });

  it('turning one template off leaves the others\' stock: reachable, not turned off; all three off is turned off', async () => {
    const reachableBefore = (await salespeopleGauge()).reachable ?? 0;
    tapAcceptingAll();
    await waitFor(reachability, (r) => r.acceptancesInStock === 3, { what: 'the three acceptances' });

    running.localWechat!.turnOff(openid, IDS[0]);
    const oneOff = await waitFor(reachability, (r) => r.acceptancesInStock === 2, { what: 'the turn-off applied' });
    expect(oneOff).toMatchObject({ expected: 'reachable', turnedOff: false });
    expect((await salespeopleGauge()).reachable).toBe(reachableBefore + 1);

    running.localWechat!.turnOff(openid, IDS[1]);
    running.localWechat!.turnOff(openid, IDS[2]);
    const allOff = await waitFor(reachability, (r) => r.acceptancesInStock === 0, { what: 'every template turned off' });
    expect(allOff).toMatchObject({ expected: 'unreachable: NO_SUBSCRIPTION', turnedOff: true });
  });
});
