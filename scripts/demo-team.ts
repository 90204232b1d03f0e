/**
 * What the demo team's phones and first leads do right after `pnpm start` seeded it (demo-seed.ts DEMO_STATES), so the
 * console's 团队触达 shows every state a real team has — each through the path a real one takes: the emulator's phone
 * answers dialogs and changes settings (WeChat pushes them to the API), the kit's report of wx.getSetting goes to the
 * API, and leads are assigned through the API and delivered or skipped by the notifier.
 */
import type { DemoSeed, DemoState } from 'crm-api';
import type { LocalWechat } from '@leadnotify/wechat-emulator';

interface TeamRow {
  user: { id: string; name: string };
  binding: { bound: boolean | null };
  always: string[];
  turnedOff: string[];
  wecom: { userId: string | null; reachable: boolean };
  lastSkipped: { reason: string | null } | null;
  stock: Record<string, number>;
  nextLead: { reaches: boolean; text: string };
}

/** When each state shows on the team page (what the API says once the phones' pushes and the leads are through). */
export const DEMO_STATE_SHOWN: Record<DemoState, (row: TeamRow) => boolean> = {
  stock: (row) => row.binding.bound === true && Object.values(row.stock).some((count) => count > 0) && row.always.length === 0,
  wecom: (row) => row.binding.bound === null && row.wecom.reachable && row.nextLead.reaches,
  'not-bound': (row) => row.binding.bound === false && row.lastSkipped?.reason === 'NOT_BOUND',
  'turned-off': (row) => row.turnedOff.length > 0,
  'wecom-refused': (row) => row.wecom.userId !== null && !row.wecom.reachable && row.lastSkipped?.reason === 'WECOM_USER_INVALID',
  always: (row) => row.always.length > 0,
  unknown: (row) => row.binding.bound === null && row.wecom.userId === null && row.lastSkipped === null,
};

export async function playDemoTeam(seed: DemoSeed, apiUrl: string, wechat: LocalWechat): Promise<string> {
  const manager = seed.users.find((user) => user.role === 'manager');
  if (!manager) return '';
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}`);
    return (await response.json()) as any;
  };
  const templates = wechat.leadTemplates.map((template) => template.id);
  const openid = (userId: string) => `emu-openid-${userId}`;
  const leadFor = async (userId: string, name: string) => {
    const customer = await call('POST', '/api/customers', manager.token, { name, company: name, source: '演示' });
    await call('POST', `/api/customers/${customer.id}/assign`, manager.token, { assigneeId: userId });
  };
  for (const user of seed.users) {
    switch (user.state) {
      case 'stock':
        // One dialog, every lead template accepted: WeChat pushes it, the API learns the stock.
        wechat.subscribePopup(openid(user.id), [Object.fromEntries(templates.map((id) => [id, 'accept']))]);
        break;
      case 'turned-off':
        for (const id of templates) wechat.turnOff(openid(user.id), id);
        break;
      case 'always': {
        // The dialog with "总是保持以上选择" ticked, then the kit's report of what wx.getSetting shows.
        wechat.requestSubscribe(openid(user.id), templates, 'accept', true);
        const setting = wechat.subscriptionsSetting(openid(user.id));
        await call('POST', '/api/me/subscription-settings', user.token, { mainSwitch: setting.mainSwitch, always: templates.filter((id) => setting.itemSettings[id] === 'accept') });
        break;
      }
      case 'not-bound':
        await leadFor(user.id, '演示：未绑定的销售');
        break;
      case 'wecom-refused':
        await leadFor(user.id, '演示：企业微信账号无效');
        break;
      default:
        break;
    }
  }
  await wechat.settlePushes();
  // The pushes are applied and the leads delivered or skipped in the background: wait (briefly) until the page shows it.
  const deadline = Date.now() + 15_000;
  let rows: TeamRow[] = [];
  for (;;) {
    rows = ((await call('GET', '/api/console/team', manager.token)) as { items: TeamRow[] }).items;
    const missing = seed.users.filter((user) => user.state && !rows.some((row) => row.user.id === user.id && DEMO_STATE_SHOWN[user.state!](row)));
    if (missing.length === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [
    'The demo team on the console\'s 团队触达 page:',
    ...seed.users.flatMap((user) => {
      const row = rows.find((candidate) => candidate.user.id === user.id);
      return user.state && row ? [`  ${user.name}  ${user.state.padEnd(13)} ${row.nextLead.text}`] : [];
    }),
    '',
  ].join('\n');
}
