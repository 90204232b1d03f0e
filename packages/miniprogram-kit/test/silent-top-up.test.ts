// @vitest-environment node
// As scan-to-message.test.ts: the kit's pages need a DOM, crm-api and the emulator run in this process too.
import './install-dom.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { waitFor } from '@leadnotify/test-support';
import { LEAD_TEMPLATES, startLocalWechat, type LocalWechat } from '@leadnotify/wechat-emulator';
import { createLogger, loadConfig, startServer, type RunningServer } from 'crm-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWxRequest } from '../src/wx/create-wx-request.js';
import { createConnectedWx } from './connected-wx.js';
import { installMiniProgramGlobals } from './fake-wx.js';
import { httpJson } from './http-call.js';
import { find, render, tap, textOf, type Rendered } from './render.js';

const PUSH = { token: 'silentTopUpToken', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };

/**
 * A salesperson who ticks "总是保持以上选择" once keeps hearing about every lead at once while they use the mini program:
 * their ordinary taps on the kit's pages ask for the templates again, WeChat shows no dialog and counts one more of
 * each. Whether WeChat pushes such silent acceptances is not documented, so both: with the push the function's count
 * rises; without it the kit's report lifts a refusal and the function asks WeChat when its count is 0.
 */
describe.each([
  ['WeChat pushes silent acceptances', true],
  ['WeChat does not push silent acceptances', false],
])('silent top-up through the built kit, crm-api and the emulator: %s', (_name, pushSilent) => {
  const dir = mkdtempSync(join(tmpdir(), 'kit-top-up-'));
  let running: RunningServer<LocalWechat>;
  let emulator: LocalWechat;
  let manager: { authorization: string };
  let sales: { id: string; token: string };
  const openid = 'openid-always';

  beforeAll(async () => {
    running = await startServer(
      loadConfig({ DATABASE_URL: join(dir, 'crm.db'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', WECHAT_PUSH_TOKEN: PUSH.token, WECHAT_PUSH_AES_KEY: PUSH.encodingAesKey, NOTIFY_POLL_MS: '50' }),
      createLogger('warn', new Writable({ write: (_chunk, _encoding, done) => done() })),
      { localWechat: (base) => startLocalWechat({ functionName: base.WECHAT_CLOUD_FUNCTION, templates: LEAD_TEMPLATES }) },
    );
    emulator = running.localWechat!;
    emulator.setSilentAcceptancePushes(pushSilent);
    await emulator.configurePush({ url: `${running.url}/wechat/push`, ...PUSH, mode: 'safe' });
    manager = { authorization: `Bearer ${running.demo!.users.find((user) => user.role === 'manager')!.token}` };
    sales = running.demo!.users.find((user) => user.role === 'sales')!;
    await emulator.setupUser(sales.id, 0, openid);
  }, 30_000);

  afterAll(async () => {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    document.body.innerHTML = '';
  });

  /** The salesperson's own customer list, on their phone. */
  async function openList(wx: ReturnType<typeof createConnectedWx>): Promise<Rendered> {
    installMiniProgramGlobals(wx.wx, { request: createWxRequest(running.url), functionName: running.config.WECHAT_CLOUD_FUNCTION });
    const page = render('pages/customer/list');
    (page.instance as unknown as { onLoad(query: Record<string, string>): void }).onLoad({});
    await waitFor(() => page.data.loading as boolean, (loading) => !loading, { what: 'the list to load' });
    const button = find(page, '.lk-customers__subscribe');
    await waitFor(() => (button.instance as unknown as { data: { templateIds: string[] } }).data.templateIds.length, (count) => count === 3, { what: 'the button to know the templates' });
    return page;
  }

  const stockAtWechat = () => LEAD_TEMPLATES.map((template) => emulator.acceptancesOf(openid, template.id)).reduce((sum, count) => sum + count, 0);
  const messages = () => emulator.messages.filter((message) => message.touser === openid);

  it('one dialog with the box ticked, then every lead heard at once while the salesperson keeps tapping through their customers', async () => {
    const wx = createConnectedWx({ emulatorUrl: emulator.url, openid, functionName: running.config.WECHAT_CLOUD_FUNCTION });
    wx.state.keep = true;
    const first = await openList(wx);
    await tap(wx.state, find(find(first, '.lk-customers__subscribe'), '.lk-subscribe__button'));
    await waitFor(() => wx.state.functionCalls.filter((call) => call.type === 'recordSubscription').length, (count) => count === 1, { what: 'the tap reported' });
    expect([wx.state.dialogs, stockAtWechat()]).toEqual([1, 3]);
    // The manager's console shows the templates kept "always", as the phone's wx.getSetting showed them after the dialog.
    const team = await waitFor(
      async () => (await httpJson<{ items: Array<{ user: { id: string }; always: string[]; mainSwitch: boolean | null }> }>('GET', `${running.url}/api/console/team`, { headers: manager })).body.items,
      (items) => items.find((item) => item.user.id === sales.id)?.always.length === 3,
      { what: 'the team page to show the kept templates' },
    );
    expect(team.find((item) => item.user.id === sales.id)).toMatchObject({ always: LEAD_TEMPLATES.map((template) => template.id), mainSwitch: true });

    const leads = 6;
    for (let lead = 1; lead <= leads; lead++) {
      const customer = await httpJson<{ id: string }>('POST', `${running.url}/api/customers`, { headers: manager, json: { name: `自动续订客户${lead}` } });
      await httpJson('POST', `${running.url}/api/customers/${customer.body.id}/assign`, { headers: manager, json: { assigneeId: sales.id } });
      // Heard at once: the message is out before the salesperson does anything more.
      await waitFor(messages, (sent) => sent.length === lead, { what: `the message about lead ${lead}`, timeoutMs: 10_000 });

      // They open the list and tap a customer, as they would to work the lead: no dialog, three more reminders.
      document.body.innerHTML = '';
      const list = await openList(wx);
      const reports = wx.state.functionCalls.filter((call) => call.type === 'recordSubscription').length;
      await tap(wx.state, find(list, '.lk-customers__item'));
      await waitFor(() => wx.state.functionCalls.filter((call) => call.type === 'recordSubscription').length, (count) => count === reports + 1, { what: 'the top-up reported' });
    }

    expect(wx.state.dialogs).toBe(1);
    expect(wx.state.silent).toBe(leads);
    expect(messages()).toHaveLength(leads);
    expect(stockAtWechat()).toBe(3 + 3 * leads - leads);
    expect(textOf(find(await openList(wx), '.lk-customers__subscribe'), '.lk-subscribe__always')).toContain('已开启自动续订');
  }, 60_000);
});
