import { createHmac, randomBytes } from 'node:crypto';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { createWechatClient } from '@leadnotify/wechat-client';
import { emulatorQrText, LEAD_TEMPLATES, startEmulator, type RunningEmulator } from '../src/index.js';
import { assignmentEvent } from './helpers/assignment-event.js';
import { send, startReceiver } from './helpers/http-receiver.js';

const http = axios.create({ validateStatus: () => true });
const SECRET = 'test-shared-secret-0123456789abcdef';

/** A binding ticket as crm-api issues it (crm-api src/domain/binding-ticket.ts), for a stand-in CRM. */
function ticketFor(crmUserId: string): string {
  const iat = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(JSON.stringify({ uid: crmUserId, iat, exp: iat + 600, nonce: randomBytes(16).toString('base64url') })).toString('base64url');
  return `v1.${payload}.${createHmac('sha256', SECRET).update(`leadnotify-bind.v1.${payload}`).digest('base64url')}`;
}

/** The CRM's scene exchange: each scene in `scenes` gives a ticket once, then 409; others 404; "OLD" 410. */
async function startCrm(scenes: Record<string, string>) {
  const used = new Set<string>();
  return startReceiver((request, res) => {
    if (request.method !== 'POST' || request.path !== '/api/wechat-binding/scene/exchange') return send(res, 404, { error: { code: 'ROUTE_NOT_FOUND' } });
    const { scene } = JSON.parse(request.body) as { scene: string };
    if (scene === 'OLD') return send(res, 410, { error: { code: 'SCENE_EXPIRED', message: 'expired' } });
    const crmUserId = scenes[scene];
    if (!crmUserId) return send(res, 404, { error: { code: 'SCENE_INVALID', message: 'unknown' } });
    if (used.has(scene)) return send(res, 409, { error: { code: 'SCENE_USED', message: 'used' } });
    used.add(scene);
    send(res, 200, { ticket: ticketFor(crmUserId), crmUserId });
  });
}

describe('the simulated phone', () => {
  let emulator: RunningEmulator;
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await emulator?.stop();
    for (const stop of stops.splice(0)) await stop();
  });

  async function setup(scenes: Record<string, string> = {}, options: { functionTimeoutMs?: number } = {}) {
    emulator = await startEmulator({ ...options, functionEnv: { LEADNOTIFY_SHARED_SECRET: SECRET } });
    const crm = await startCrm(scenes);
    stops.push(crm.stop);
    const scan = async (qr: string, openid: string) => (await http.post(`${emulator.url}/_emulator/scan`, { qr, openid, crmApiUrl: crm.url })).data;
    const bindings = async () => (await http.get(`${emulator.url}/_emulator/bindings`)).data.items as Array<{ crmUserId: string; openid: string }>;
    return { crm, scan, bindings };
  }

  it('scanning a binding code exchanges its scene at the CRM and binds the scanning WeChat user', async () => {
    const { crm, scan, bindings } = await setup({ 'Ab3$Ab3$Ab3$Ab3$': 'crm-user-7' });

    const result = await scan(emulatorQrText('pages/bind/index', 'Ab3$Ab3$Ab3$Ab3$'), 'openid-phone');

    expect(result).toMatchObject({ outcome: 'BOUND', crmUserId: 'crm-user-7', openid: 'openid-phone', page: 'pages/bind/index', scene: 'Ab3$Ab3$Ab3$Ab3$' });
    expect(crm.received.map((request) => JSON.parse(request.body))).toEqual([{ scene: 'Ab3$Ab3$Ab3$Ab3$' }]);
    expect(await bindings()).toEqual([expect.objectContaining({ crmUserId: 'crm-user-7', openid: 'openid-phone' })]);
  });

  it('a bare scene works like the code; a reused, expired or unknown one says so and binds nobody', async () => {
    const { scan, bindings } = await setup({ SCENE1: 'crm-user-1' });

    expect(await scan('SCENE1', 'openid-a')).toMatchObject({ outcome: 'BOUND', crmUserId: 'crm-user-1' });
    expect(await scan('SCENE1', 'openid-b')).toMatchObject({ outcome: 'SCENE_USED', exchange: { status: 409 } });
    expect(await scan('OLD', 'openid-b')).toMatchObject({ outcome: 'SCENE_EXPIRED', exchange: { status: 410 } });
    expect(await scan('NEVER', 'openid-b')).toMatchObject({ outcome: 'SCENE_INVALID', exchange: { status: 404 } });
    expect((await bindings()).map((binding) => binding.openid)).toEqual(['openid-a']);
  });

  it('a code that cannot be a binding code is refused without asking the CRM', async () => {
    const { crm, scan } = await setup();

    expect(await scan('https://example.com/%', 'openid-a')).toMatchObject({ outcome: 'SCENE_INVALID' });
    expect(await scan(`${emulatorQrText('pages/bind/index', 'x')}`.replace('scene=x', 'scene='), 'openid-a')).toMatchObject({ outcome: 'SCENE_INVALID' });
    expect(crm.received).toEqual([]);
  });

  it('a WeChat user bound to one CRM user cannot bind a second one', async () => {
    const { scan, bindings } = await setup({ FIRST: 'crm-user-1', SECOND: 'crm-user-2' });

    await scan('FIRST', 'openid-shared');
    const second = await scan('SECOND', 'openid-shared');

    expect(second).toMatchObject({ outcome: 'OPENID_BOUND_ELSEWHERE', bind: { ok: false, error: { code: 'OPENID_BOUND_ELSEWHERE' } } });
    expect(await bindings()).toEqual([expect.objectContaining({ crmUserId: 'crm-user-1', openid: 'openid-shared' })]);
  });

  it('when the CRM does not answer the outcome is NETWORK; a scan without its fields is 400', async () => {
    const { scan } = await setup();

    const unreachable = await http.post(`${emulator.url}/_emulator/scan`, { qr: 'SCENE1', openid: 'o', crmApiUrl: 'http://127.0.0.1:9' });
    const missing = await http.post(`${emulator.url}/_emulator/scan`, { qr: 'SCENE1' });

    expect(unreachable.data).toMatchObject({ outcome: 'NETWORK' });
    expect(missing.status).toBe(400);
    expect(await scan('SCENE1', 'o')).toMatchObject({ outcome: 'SCENE_INVALID' });
  });

  it('a bind run stopped at the function limit binds nobody, and the page says NETWORK as for any failed wx.cloud.callFunction', async () => {
    const { scan, bindings } = await setup({ SCENE1: 'crm-user-1' }, { functionTimeoutMs: 200 });
    emulator.setFaults({ functionLatencyMs: 400 });

    const result = await scan('SCENE1', 'openid-a');
    // Killed at 200 ms while still starting up; at 400 ms its code starts and its first call hangs.
    await emulator.runsFinished();

    expect(result).toMatchObject({ outcome: 'NETWORK', exchange: { status: 200 } });
    expect(await bindings()).toEqual([]);
  });

  it('the subscribe dialog: each accept adds one acceptance on WeChat\'s side and none on the function\'s', async () => {
    await setup();
    const popup = (body: object) => http.post(`${emulator.url}/_emulator/users/openid-a/subscribe-popup`, body);

    const answered = await popup({ results: ['accept', 'reject', 'accept'] });
    const subscriptions = (await http.get(`${emulator.url}/_emulator/subscriptions`)).data;

    expect(answered.status).toBe(200);
    expect(answered.data.acceptances).toEqual([{ templateId: 'emulator-lead-assigned', remaining: 2 }]);
    expect(subscriptions.wechat).toEqual([{ openid: 'openid-a', templateId: 'emulator-lead-assigned', remaining: 2 }]);
    expect(subscriptions.function).toEqual([]);
    expect((await popup({ results: ['maybe'] })).status).toBe(400);
    expect((await popup({ templateId: 'no-such-template', results: ['accept'] })).status).toBe(400);
    expect((await popup({ results: [] })).status).toBe(400);
    expect(emulator.acceptancesOf('openid-a')).toBe(2);
  });

  it('one dialog asks for the three lead templates: one acceptance of each; a second template of the same title is filtered, not counted', async () => {
    emulator = await startEmulator({ templates: [...LEAD_TEMPLATES, { id: 'same-title-as-first', title: LEAD_TEMPLATES[0]!.title, keywords: ['thing1'] }] });
    const ids = LEAD_TEMPLATES.map((template) => template.id);
    const dialog = Object.fromEntries([...ids, 'same-title-as-first'].map((id) => [id, 'accept']));
    const tooMany = await http.post(`${emulator.url}/_emulator/users/openid-a/subscribe-popup`, { results: [dialog] });
    expect(tooMany.status).toBe(400);

    const answered = await http.post(`${emulator.url}/_emulator/users/openid-a/subscribe-popup`, {
      results: [{ [ids[0]!]: 'accept', 'same-title-as-first': 'accept', [ids[1]!]: 'accept' }],
    });

    expect(answered.data.dialogs).toEqual([{ [ids[0]!]: 'accept', 'same-title-as-first': 'filter', [ids[1]!]: 'accept' }]);
    expect([...ids, 'same-title-as-first'].map((id) => emulator.acceptancesOf('openid-a', id))).toEqual([1, 1, 0, 0]);
    expect(new Set(LEAD_TEMPLATES.map((template) => template.title)).size).toBe(3);
  });

  it.each([
    ['pushed', true],
    ['not pushed', false],
  ])('"总是保持以上选择": after one dialog with the box ticked, later requests show none and count one of each; silent acceptances %s', async (_name, push) => {
    emulator = await startEmulator({ templates: LEAD_TEMPLATES, pushSilentAcceptances: push });
    const receiver = await startReceiver((_request, res) => send(res, 200, 'success'));
    stops.push(receiver.stop);
    await emulator.configurePush({ url: `${receiver.url}/push`, token: 'pushToken123', mode: 'plain' }, { verify: false });
    const ids = LEAD_TEMPLATES.map((template) => template.id);
    const request = async (body: object) => (await http.post(`${emulator.url}/_emulator/users/openid-a/request-subscribe`, body)).data;
    const settings = async () => (await http.get(`${emulator.url}/_emulator/users/openid-a/settings`)).data.subscriptionsSetting;

    expect(await settings()).toEqual({ mainSwitch: true, itemSettings: {} });
    expect(await request({ tmplIds: ids, answer: 'accept', keep: true })).toEqual({ dialogShown: true, results: Object.fromEntries(ids.map((id) => [id, 'accept'])) });
    expect(await settings()).toEqual({ mainSwitch: true, itemSettings: Object.fromEntries(ids.map((id) => [id, 'accept'])) });
    // The user would answer reject now; no dialog shows, the kept accept answers.
    expect(await request({ tmplIds: ids, answer: 'reject' })).toEqual({ dialogShown: false, results: Object.fromEntries(ids.map((id) => [id, 'accept'])) });
    await emulator.settlePushes();

    expect(ids.map((id) => emulator.acceptancesOf('openid-a', id))).toEqual([2, 2, 2]);
    expect(emulator.pushedEvents().filter((event) => event.Event === 'subscribe_msg_popup_event')).toHaveLength(push ? 2 : 1);
  });

  it('a dialog without the box ticked keeps nothing; a template turned off in the settings is answered reject without a dialog', async () => {
    emulator = await startEmulator({ templates: LEAD_TEMPLATES });
    const ids = LEAD_TEMPLATES.map((template) => template.id);
    const request = async (body: object) => (await http.post(`${emulator.url}/_emulator/users/openid-a/request-subscribe`, body)).data;

    expect((await request({ tmplIds: ids })).dialogShown).toBe(true);
    expect((await request({ tmplIds: ids })).dialogShown).toBe(true);
    await request({ tmplIds: ids, keep: true });
    emulator.turnOff('openid-a', ids[0]);

    expect(await request({ tmplIds: ids })).toEqual({ dialogShown: false, results: { [ids[0]!]: 'reject', [ids[1]!]: 'accept', [ids[2]!]: 'accept' } });
    expect((await http.post(`${emulator.url}/_emulator/users/openid-a/request-subscribe`, { tmplIds: [] })).status).toBe(400);
    expect((await http.post(`${emulator.url}/_emulator/users/openid-a/request-subscribe`, { tmplIds: ['nope'] })).status).toBe(400);
  });

  it('the function sends with the templates that are not the host\'s', async () => {
    emulator = await startEmulator({ templates: [...LEAD_TEMPLATES, { id: 'host-order', title: '订单发货通知', keywords: ['thing1'], host: true }] });
    expect(emulator.leadTemplates.map((template) => template.id)).toEqual(LEAD_TEMPLATES.map((template) => template.id));
    await emulator.setupUser('crm-user-1', 0);
    emulator.subscribePopup('emu-openid-crm-user-1', [Object.fromEntries(LEAD_TEMPLATES.map((template) => [template.id, 'accept']))]);
    const client = createWechatClient({ ...emulator.credentials, baseUrl: emulator.url });

    const sent = [];
    for (let lead = 0; lead < 4; lead++) sent.push(await client.invokeCloudFunction('quickstartFunctions', assignmentEvent()));

    expect(sent.map((answer) => (answer as { result: { reason: string } }).result.reason)).toEqual(['SENT', 'SENT', 'SENT', 'NO_SUBSCRIPTION']);
    expect(emulator.messages.map((message) => message.templateId).sort()).toEqual(LEAD_TEMPLATES.map((template) => template.id).sort());
  });

  it('turning the template off in the settings leaves no acceptance to send with', async () => {
    await setup();
    await http.post(`${emulator.url}/_emulator/users/openid-a/subscribe-popup`, { results: ['accept', 'accept'] });

    const turnedOff = await http.post(`${emulator.url}/_emulator/users/openid-a/turn-off`, {});

    expect(turnedOff.data).toEqual({ openid: 'openid-a', templateId: 'emulator-lead-assigned', remaining: 0 });
    expect(emulator.acceptancesOf('openid-a')).toBe(0);
  });
});
