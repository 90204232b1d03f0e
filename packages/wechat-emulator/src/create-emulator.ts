import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { functionError, MINIPROGRAM_PAGES } from '@leadnotify/contracts';
import express, { type Express, type Request, type Response } from 'express';
import { COLLECTIONS, createHandler, loadFunctionConfig, saveBinding, type SubscribeMessage, type WxContext } from 'quickstartFunctions';
import { createMemoryCloud, wxError, type InvocationHandle } from 'quickstartFunctions/memory-cloud';
import { createCallQuota } from './call-quota.js';
import { drawFault, NO_FAULTS, RATE_KEYS, type Fault, type FaultSettings } from './faults.js';
import { createInvocationLog, type InvocationLogEntry } from './invocation-log.js';
import { createMessagePush, type PushEvent, type PushSettings } from './message-push.js';
import { qrCodeRoute } from './qr-code-route.js';
import { scanBindingCode } from './scan-binding-code.js';
import { createSubscribeDialog, type DialogAnswer } from './subscribe-dialog.js';
import { createSubscribeGate, type SentMessage, type TemplateDefinition } from './subscribe-gate.js';
import { templateListEntry } from './template-list.js';
import { createTokenAuthority } from './token-authority.js';
import { createWecom, type WecomCorp, type WecomFaults } from './wecom.js';

export interface EmulatorOptions {
  appId?: string;
  appSecret?: string;
  cloudEnv?: string;
  functionName?: string;
  templates?: TemplateDefinition[];
  /**
   * Pages the mini program has; a message or (check_path) a mini-program code for another page answers 41030.
   * Default: the kit's mini program (MINIPROGRAM_PAGES), home page first.
   */
  pages?: string[];
  /** Environment variables of the cloud function (SUBSCRIBE_TEMPLATE_IDS defaults to the templates that are not the host's). */
  functionEnv?: Record<string, string>;
  /** The deployed function is an older build that does not know these event types: it answers them UNKNOWN_TYPE. */
  unknownEventTypes?: string[];
  /** The function's time limit, applied to every run however it was called; WeChat's default is 3 s. */
  functionTimeoutMs?: number;
  /** How long the HTTP API waits for the function: 5 s at WeChat. A function with a longer limit runs on after the caller got -504003. */
  httpWaitMs?: number;
  /**
   * Whether subscribeMessage.send's answer carries WeChat's `msgid` (community reports say it sometimes does; the
   * official doc shows none). Default false: the function must cope without. The subscribe_msg_sent_event push
   * carries the MsgID either way.
   */
  msgidInSendAnswer?: boolean;
  /**
   * Whether WeChat pushes subscribe_msg_popup_event for an acceptance made without a dialog (the user kept "总是保持以上
   * 选择" and a later wx.requestSubscribeMessage answered silently). Not documented; default false, the reading our
   * code likes least. Also settable later with setSilentAcceptancePushes.
   */
  pushSilentAcceptances?: boolean;
  /** WeCom's side (企业微信): the corp and its self-built application; made up when not given. */
  wecom?: Partial<WecomCorp>;
  /** The deployed function's config.json permissions; default: the one the build ships. */
  openapiPermissions?: string[];
  /** The mini program's original id (gh_…), the ToUserName of every push. */
  originalId?: string;
  /** Message push (消息推送) as configured in the console; also settable later with configurePush. */
  push?: PushSettings;
  now?: () => number;
  random?: () => number;
}

/** How a run of the function ended: its return value, what it threw, or stopped at its time limit. */
type RunOutcome = { value: unknown } | { error: unknown } | { killed: true };

type Failure = Exclude<Fault, { kind: 'none' | 'slow' }>;

/** One answer in the subscribe dialog: the result for the one template, or per template for a dialog with several (≤ 3). */
export type PopupAnswer = 'accept' | 'reject' | Record<string, 'accept' | 'reject'>;

export const DEFAULT_TEMPLATE: TemplateDefinition = { id: 'emulator-lead-assigned', title: '客户分配通知', keywords: ['thing1', 'time2', 'thing3', 'thing4'] };

/**
 * The lead notice as docs/configuration.md recommends setting it up: three one-time templates of different titles, so
 * one tap on the subscribe button can accept three messages.
 */
export const LEAD_TEMPLATES: TemplateDefinition[] = [
  DEFAULT_TEMPLATE,
  { id: 'emulator-new-lead', title: '新线索提醒', keywords: ['thing1', 'time2', 'thing3', 'thing4'] },
  { id: 'emulator-follow-up', title: '待跟进客户提醒', keywords: ['thing1', 'time2', 'thing3', 'thing4'] },
];

function shippedPermissions(): string[] {
  const path = createRequire(import.meta.url).resolve('quickstartFunctions/deploy/config.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as { permissions?: { openapi?: string[] } };
  return config.permissions?.openapi ?? [];
}

/** Waits `ms`; with 0 it returns at once, since even a 0 ms timer would add a millisecond to every call. */
async function pause(ms: number): Promise<void> {
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The WeChat server API as wechat-client uses it — tokens and /tcb/invokecloudfunction — running the real
 * quickstartFunctions handlers on an in-memory cloud, plus /_emulator/ endpoints to inspect and steer it.
 */
export function createEmulator(options: EmulatorOptions = {}) {
  const now = options.now ?? (() => Date.now());
  const random = options.random ?? Math.random;
  const credentials = {
    appId: options.appId ?? 'wx-emulator-app',
    appSecret: options.appSecret ?? randomBytes(16).toString('hex'),
    cloudEnv: options.cloudEnv ?? 'emulator-env',
    functionName: options.functionName ?? 'quickstartFunctions',
    originalId: options.originalId ?? 'gh_e1ead0e0a0e0',
  };
  const templates = options.templates ?? [DEFAULT_TEMPLATE];
  const leadTemplates = templates.filter((template) => !template.host);
  const firstTemplate = leadTemplates[0];
  if (!firstTemplate) throw new TypeError('createEmulator: at least one template of the lead notice (not host: true) is needed');
  const permissions = options.openapiPermissions ?? shippedPermissions();
  const functionTimeoutMs = options.functionTimeoutMs ?? 3000;
  const httpWaitMs = options.httpWaitMs ?? 5000;
  const pages = options.pages ?? Object.values(MINIPROGRAM_PAGES);

  const tokens = createTokenAuthority(now);
  const wecom = createWecom({
    corp: { corpId: options.wecom?.corpId ?? 'ww-emulator-corp', agentId: options.wecom?.agentId ?? 1000002, agentSecret: options.wecom?.agentSecret ?? randomBytes(16).toString('hex') },
    miniprogramAppId: options.appId ?? 'wx-emulator-app',
    now,
    random,
  });
  // getStableAccessToken: "10,000 calls a minute, 500,000 a day" for each AppID.
  const stableTokenQuota = createCallQuota({ perMinute: 10_000, perDay: 500_000, now });
  const cloud = createMemoryCloud();
  cloud.createCollections(Object.values(COLLECTIONS));
  const gate = createSubscribeGate({ templates, pages, hasPermission: () => permissions.includes('subscribeMessage.send'), now });
  let pushSilentAcceptances = options.pushSilentAcceptances ?? false;
  const dialog = createSubscribeDialog({
    templates,
    accept: (openid, templateId) => gate.accept(openid, templateId, 1),
    pushPopup: (openid, results) =>
      pushEvent(
        openid,
        'subscribe_msg_popup_event',
        results.map(([templateId, result]) => ({ TemplateId: templateId, SubscribeStatusString: result, PopupScene: '0' })),
      ),
    pushSilent: () => pushSilentAcceptances,
  });
  // Ops set FUNCTION_TIMEOUT_MS equal to the console's limit; so does the emulator unless told otherwise.
  const functionConfig = loadFunctionConfig({
    SUBSCRIBE_TEMPLATE_IDS: leadTemplates.map((template) => template.id).join(','),
    FUNCTION_TIMEOUT_MS: String(functionTimeoutMs),
    ...options.functionEnv,
  });
  const currentHandle = createHandler({
    cloud: cloud.cloud,
    config: functionConfig,
    now,
    log: { info() {}, warn() {}, error: (message, fields) => console.error('[emulated function]', message, fields ?? '') },
  });
  const unknownTypes = new Set(options.unknownEventTypes ?? []);
  const handle = (event: unknown): Promise<unknown> => {
    const type = (event as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && unknownTypes.has(type)) return Promise.resolve(functionError('UNKNOWN_TYPE', `unknown event type ${JSON.stringify(type)}`));
    return currentHandle(event);
  };
  const messagePush = createMessagePush({ appId: credentials.appId, now, ...(options.push ? { settings: options.push } : {}) });
  let faults: FaultSettings = { ...NO_FAULTS };
  let invocations = 0;
  // How long WeChat took to answer the invocations it answered (arrival to answer): the round trip a caller saw.
  let answeredInvocations = 0;
  let answeringMs = 0;
  /** Runs of the function not over yet (see runsFinished). */
  const runsUnderWay = new Set<InvocationHandle>();
  const invocationLog = createInvocationLog();
  // The run a send happens in (its kill switch, and its log entry when it came over the HTTP API).
  const currentRun = new AsyncLocalStorage<{ handle: InvocationHandle; logged?: InvocationLogEntry }>();
  const invocationOfMessage = new Map<string, number>();

  /** WeChat's push envelope (JSON format); List is an object for one item and an array for several, as WeChat sends it. */
  function pushEvent(openid: string, event: PushEvent['Event'], items: Array<Record<string, string>>) {
    return messagePush.push({
      ToUserName: credentials.originalId,
      FromUserName: openid,
      CreateTime: Math.floor(now() / 1000),
      MsgType: 'event',
      Event: event,
      List: items.length === 1 ? items[0]! : items,
    });
  }

  /** WeChat takes a message for delivery (or refuses it) and, delivered, pushes its subscribe_msg_sent_event. */
  async function deliverMessage(message: SubscribeMessage) {
    const sent = await gate.send(message);
    pushEvent(sent.touser, 'subscribe_msg_sent_event', [{ TemplateId: sent.templateId, MsgID: sent.msgId, ErrorCode: '0', ErrorStatus: 'success' }]);
    return sent;
  }

  // WeChat decides (and delivers) when the request arrives; a slow or failed answer comes after that. A request
  // still on its way (sendTransitMs) when the run is stopped never arrives: not sent.
  cloud.onSend(async (message) => {
    await pause(faults.sendTransitMs);
    const run = currentRun.getStore();
    if (run?.handle.killed) {
      if (run.logged) run.logged.stoppedSends++;
      throw wxError(-1, 'openapi.subscribeMessage.send:fail the run was stopped before the request reached WeChat');
    }
    let sent: SentMessage;
    try {
      sent = await deliverMessage(message);
      if (run?.logged) {
        run.logged.messageIds.push(sent.msgId);
        invocationOfMessage.set(sent.msgId, run.logged.id);
      }
    } finally {
      await pause(faults.sendLatencyMs);
    }
    if (faults.errorAfterSendRate > 0 && random() < faults.errorAfterSendRate) {
      throw wxError(-1, 'openapi.subscribeMessage.send:fail -1 system error');
    }
    return options.msgidInSendAnswer ? { msgid: sent.msgId } : undefined;
  });

  /**
   * One run of the function as WeChat runs it, however it was called: stopped at its time limit, after which
   * its cloud calls and sends never happen. Resolves when it ends or is stopped.
   */
  async function runFunction(caller: WxContext, work: () => Promise<unknown>, logged?: InvocationLogEntry): Promise<RunOutcome> {
    const invocation = cloud.startInvocation(caller);
    runsUnderWay.add(invocation);
    void invocation.finished().then(() => runsUnderWay.delete(invocation));
    let timer: NodeJS.Timeout | undefined;
    const stopped = new Promise<RunOutcome>((resolve) => {
      timer = setTimeout(() => {
        invocation.kill();
        resolve({ killed: true });
      }, functionTimeoutMs);
    });
    const running = currentRun.run({ handle: invocation, ...(logged ? { logged } : {}) }, () =>
      invocation.run(async () => {
        await pause(faults.functionLatencyMs);
        return work();
      }),
    );
    const ended = running.then(
      (value): RunOutcome => ({ value }),
      (error: unknown): RunOutcome => ({ error }),
    );
    try {
      return await Promise.race([ended, stopped]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A call from the mini program (wx.cloud.callFunction) or from a test's set-up: the function's result, or
   * the error the caller gets — -504003 when the run passed its limit, -504002 when it threw.
   */
  async function callFunction(caller: WxContext, event: unknown): Promise<unknown> {
    const outcome = await runFunction(caller, () => handle(event));
    if ('killed' in outcome) throw wxError(-504003, `cloud.callFunction:fail Invoking task timed out after ${functionTimeoutMs / 1000} seconds`);
    if ('error' in outcome) throw wxError(-504002, `cloud.callFunction:fail function execution failed: ${String(outcome.error)}`);
    return outcome.value;
  }

  async function readBody(req: Request): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  const app: Express = express();
  app.disable('x-powered-by');

  app.use(wecom.router);
  app.post('/cgi-bin/stable_token', express.json({ strict: false }), (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.appid === credentials.appId) {
      const over = stableTokenQuota.take();
      if (over === 'minute') return void res.json({ errcode: 45011, errmsg: 'api minute-quota reach limit, must slower, retry next minute' });
      if (over === 'day') return void res.json({ errcode: 45009, errmsg: 'reach max api daily quota limit' });
    }
    const problem = checkCredentials(body.grant_type, body.appid, body.secret);
    if (problem) return void res.json(problem);
    const issued = tokens.stableToken(body.force_refresh === true);
    if ('errcode' in issued) return void res.json(issued);
    res.json({ access_token: issued.token.value, expires_in: tokens.remainingSeconds(issued.token) });
  });
  app.all('/cgi-bin/stable_token', (_req, res) => void res.json({ errcode: 43002, errmsg: 'require POST method' }));

  app.get('/cgi-bin/token', (req, res) => {
    const problem = checkCredentials(req.query.grant_type, req.query.appid, req.query.secret);
    if (problem) return void res.json(problem);
    const token = tokens.classicToken();
    res.json({ access_token: token.value, expires_in: tokens.remainingSeconds(token) });
  });

  function checkCredentials(grantType: unknown, appid: unknown, secret: unknown) {
    if (grantType !== 'client_credential') return { errcode: 40002, errmsg: 'invalid grant_type' };
    if (!appid) return { errcode: 41002, errmsg: 'appid missing' };
    if (!secret) return { errcode: 41004, errmsg: 'appsecret missing' };
    if (appid !== credentials.appId) return { errcode: 40013, errmsg: 'invalid appid' };
    if (secret !== credentials.appSecret) return { errcode: 40125, errmsg: 'invalid appsecret' };
    return undefined;
  }

  app.post('/tcb/invokecloudfunction', async (req: Request, res: Response) => {
    invocations++;
    const arrivedAt = performance.now();
    const arrivedAtMs = now();
    res.once('finish', () => {
      answeredInvocations++;
      answeringMs += performance.now() - arrivedAt;
    });
    const raw = await readBody(req);
    await pause(faults.latencyMs);
    const fault = drawFault(faults, random);
    const failure = fault.kind === 'none' || fault.kind === 'slow' ? undefined : fault;
    const fail = (how: Failure) => {
      if (how.kind === 'drop') return void req.socket.destroy();
      if (how.kind === 'http500') return void res.status(500).send('Internal Server Error');
      res.json({ errcode: how.errcode, errmsg: `emulated failure ${how.errcode}` });
    };
    if (failure && !failure.afterRun) return fail(failure);

    const token = tokens.check(typeof req.query.access_token === 'string' ? req.query.access_token : undefined);
    if (!token.ok) return void res.json({ errcode: token.errcode, errmsg: token.errmsg });
    if (!req.query.env || !req.query.name) return void res.json({ errcode: 40101, errmsg: 'missing parameter env or name' });
    if (req.query.env !== credentials.cloudEnv) return void res.json({ errcode: -501000, errmsg: '[100003] env not exists' });
    if (req.query.name !== credentials.functionName) {
      return void res.json({ errcode: -501000, errmsg: 'FunctionName parameter could not be found.' });
    }
    if (raw.trim() === '') return void res.json({ errcode: 44002, errmsg: 'empty post data' });
    let event: unknown;
    try {
      event = JSON.parse(raw);
    } catch {
      return void res.json({ errcode: 47001, errmsg: 'data format error' });
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      return void res.json({ errcode: 47001, errmsg: 'data format error: the event must be a JSON object' });
    }

    const logged = invocationLog.start(arrivedAtMs, event as Record<string, unknown>);
    const run = runFunction({ SOURCE: 'wx_http', ENV: credentials.cloudEnv }, () => handle(event), logged);
    // The HTTP API stops waiting after httpWaitMs; a function allowed longer runs on (and may still send).
    let waitTimer: NodeJS.Timeout | undefined;
    const callerGaveUp = new Promise<'gave up'>((resolve) => {
      waitTimer = setTimeout(() => resolve('gave up'), httpWaitMs);
    });
    const outcome = await Promise.race([run, callerGaveUp]);
    clearTimeout(waitTimer);
    logged.run = outcome === 'gave up' ? 'caller gave up' : 'killed' in outcome ? 'killed' : 'error' in outcome ? 'threw' : 'returned';
    if (fault.kind === 'slow') await pause(fault.ms);
    const answer = (what: string) => {
      logged.answer = what;
      logged.answeredAt = new Date(now()).toISOString();
    };
    if (res.destroyed) return answer('caller gone');
    // The run is over (or the caller gave up); whatever it sent went out, whatever the caller now hears.
    if (failure) {
      answer(failure.kind === 'errcode' ? `errcode ${failure.errcode}` : failure.kind);
      return fail(failure);
    }
    if (outcome === 'gave up') {
      answer('errcode -504003');
      return void res.json({ errcode: -504003, errmsg: `Invoking task timed out after ${httpWaitMs / 1000} seconds` });
    }
    if ('killed' in outcome) {
      answer('errcode -504003');
      return void res.json({ errcode: -504003, errmsg: `Invoking task timed out after ${functionTimeoutMs / 1000} seconds` });
    }
    if ('error' in outcome) {
      answer('errcode -504002');
      return void res.json({ errcode: -504002, errmsg: `function execution failed: ${String(outcome.error)}` });
    }
    answer('ok');
    res.json({ errcode: 0, errmsg: 'ok', resp_data: JSON.stringify(outcome.value ?? null) });
  });
  app.all('/tcb/invokecloudfunction', (_req, res) => void res.json({ errcode: 43002, errmsg: 'require POST method' }));

  // getTemplateList: the mini program's own templates (the lead notice's and the host's), content built from their keywords.
  app.get('/wxaapi/newtmpl/gettemplate', (req, res) => {
    const token = tokens.check(typeof req.query.access_token === 'string' ? req.query.access_token : undefined);
    if (!token.ok) return void res.json({ errcode: token.errcode, errmsg: token.errmsg });
    res.json({ errcode: 0, errmsg: 'ok', data: templates.map(templateListEntry) });
  });
  app.all('/wxaapi/newtmpl/gettemplate', (_req, res) => void res.json({ errcode: 43001, errmsg: 'require GET method' }));

  const control = express.Router();
  control.use(express.json());
  control.get('/info', (_req, res) => {
    res.json({
      appId: credentials.appId,
      cloudEnv: credentials.cloudEnv,
      functionName: credentials.functionName,
      templates,
      invocations,
      answered: { invocations: answeredInvocations, totalMs: Math.round(answeringMs * 10) / 10 },
    });
  });
  control.get('/messages', (req, res) => {
    const touser = typeof req.query.touser === 'string' ? req.query.touser : undefined;
    const items = gate.messages
      .filter((message) => !touser || message.touser === touser)
      .map((message) => ({
        ...message,
        deliveryId: new URLSearchParams(message.page?.split('?')[1] ?? '').get('deliveryId'),
        invocationId: invocationOfMessage.get(message.msgId) ?? null,
      }));
    res.json({ items });
  });
  control.get('/invocations', (_req, res) => void res.json({ items: invocationLog.entries }));
  control.post('/host-messages', async (req, res) => {
    const { openid, templateId, data, page } = (req.body ?? {}) as { openid?: unknown; templateId?: unknown; data?: unknown; page?: unknown };
    if (typeof openid !== 'string' || openid === '') return void res.status(400).json({ error: 'openid is required' });
    if (typeof templateId !== 'string' || templateId === '') return void res.status(400).json({ error: 'templateId is required' });
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return void res.status(400).json({ error: 'data is required: {keyword: {value}}' });
    try {
      const sent = await deliverMessage({ touser: openid, templateId, data: data as SubscribeMessage['data'], ...(typeof page === 'string' ? { page } : {}) });
      res.status(201).json({ msgId: sent.msgId, touser: sent.touser, templateId: sent.templateId });
    } catch (error) {
      const { errCode, errMsg } = error as { errCode?: unknown; errMsg?: unknown };
      if (typeof errCode !== 'number') throw error;
      res.status(400).json({ errcode: errCode, errmsg: errMsg });
    }
  });
  control.get('/bindings', (_req, res) => void res.json({ items: cloud.docs(COLLECTIONS.bindings) }));
  control.get('/deliveries', (_req, res) => void res.json({ items: cloud.docs(COLLECTIONS.deliveries) }));
  control.get('/subscriptions', (_req, res) => {
    res.json({ wechat: gate.allAcceptances(), function: cloud.docs(COLLECTIONS.subscriptions) });
  });
  control.post('/bindings', async (req, res) => {
    const { crmUserId, openid } = (req.body ?? {}) as { crmUserId?: unknown; openid?: unknown };
    if (typeof crmUserId !== 'string' || crmUserId === '') return void res.status(400).json({ error: 'crmUserId is required' });
    const userOpenid = typeof openid === 'string' && openid !== '' ? openid : `emu-openid-${crmUserId}`;
    gate.registerUser(userOpenid);
    await bindDirectly(crmUserId, userOpenid);
    res.status(201).json({ crmUserId, openid: userOpenid });
  });
  control.post('/subscriptions', async (req, res) => {
    const body = (req.body ?? {}) as { openid?: unknown; templateId?: unknown; count?: unknown };
    const count = typeof body.count === 'number' && Number.isInteger(body.count) && body.count > 0 ? body.count : 1;
    if (typeof body.openid !== 'string' || body.openid === '') return void res.status(400).json({ error: 'openid is required' });
    const templateId = typeof body.templateId === 'string' ? body.templateId : firstTemplate.id;
    const remaining = await subscribe(body.openid, templateId, count);
    res.status(201).json({ openid: body.openid, templateId, remaining });
  });
  control.post('/miniprogram/call', async (req, res) => {
    const { openid, event } = (req.body ?? {}) as { openid?: unknown; event?: unknown };
    if (typeof openid !== 'string' || openid === '') return void res.status(400).json({ error: 'openid is required' });
    try {
      res.json(await callAsUser(openid, event));
    } catch (error) {
      // What wx.cloud.callFunction's fail gets.
      const { errCode, errMsg } = error as { errCode?: unknown; errMsg?: unknown };
      if (typeof errCode !== 'number') throw error;
      res.status(500).json({ errCode, errMsg });
    }
  });
  control.post('/scan', async (req, res) => {
    const { qr, openid, crmApiUrl } = (req.body ?? {}) as { qr?: unknown; openid?: unknown; crmApiUrl?: unknown };
    if (typeof qr !== 'string' || qr === '') return void res.status(400).json({ error: 'qr is required: the decoded text of the binding code, or its scene' });
    if (typeof openid !== 'string' || openid === '') return void res.status(400).json({ error: 'openid is required: the WeChat user who scans' });
    if (typeof crmApiUrl !== 'string' || !/^https?:\/\//.test(crmApiUrl)) return void res.status(400).json({ error: 'crmApiUrl is required: the CRM API the bind page calls' });
    res.json(await scan({ qr, openid, crmApiUrl }));
  });
  control.post('/users/:openid/subscribe-popup', (req, res) => {
    const body = (req.body ?? {}) as { templateId?: unknown; results?: unknown };
    const templateId = typeof body.templateId === 'string' ? body.templateId : firstTemplate.id;
    const answers = Array.isArray(body.results) ? (body.results as unknown[]) : undefined;
    if (!answers || answers.length === 0) return void res.status(400).json({ error: "results is required: one answer per dialog, 'accept' or 'reject' (or {templateId: answer} for a dialog with several templates)" });
    const dialogs: Array<Record<string, 'accept' | 'reject'>> = [];
    for (const answer of answers) {
      const dialog = typeof answer === 'string' ? { [templateId]: answer } : (answer as Record<string, unknown>);
      const entries = dialog !== null && typeof dialog === 'object' ? Object.entries(dialog) : [];
      if (entries.length === 0 || entries.length > 3 || entries.some(([, value]) => value !== 'accept' && value !== 'reject')) {
        return void res.status(400).json({ error: "each answer is 'accept' or 'reject', or an object of 1-3 template ids to 'accept' | 'reject'" });
      }
      const unknown = entries.find(([id]) => !templates.some((template) => template.id === id));
      // wx.requestSubscribeMessage fails with 20001 when a template id does not exist.
      if (unknown) return void res.status(400).json({ error: `unknown template id ${unknown[0]} (wx.requestSubscribeMessage would fail with 20001)` });
      dialogs.push(dialog as Record<string, 'accept' | 'reject'>);
    }
    const openid = req.params.openid;
    gate.registerUser(openid);
    const results = dialogs.map((answers) => dialog.answerDialog(openid, answers));
    res.json({ openid, dialogs: results, acceptances: templates.map((template) => ({ templateId: template.id, remaining: gate.acceptancesOf(openid, template.id) })) });
  });
  control.post('/users/:openid/request-subscribe', (req, res) => {
    const body = (req.body ?? {}) as { tmplIds?: unknown; answer?: unknown; keep?: unknown };
    const ids = Array.isArray(body.tmplIds) ? (body.tmplIds as unknown[]) : [];
    if (ids.length === 0 || ids.length > 3 || ids.some((id) => typeof id !== 'string' || id === '')) {
      return void res.status(400).json({ error: 'tmplIds: 1 to 3 template ids (wx.requestSubscribeMessage fails with 10001 / 20003)' });
    }
    const unknown = (ids as string[]).find((id) => !templates.some((template) => template.id === id));
    if (unknown) return void res.status(400).json({ error: `unknown template id ${unknown} (wx.requestSubscribeMessage would fail with 20001)` });
    const answer = body.answer ?? 'accept';
    if (answer !== 'accept' && answer !== 'reject') return void res.status(400).json({ error: "answer: what the user answers if a dialog shows, 'accept' or 'reject'" });
    const openid = req.params.openid;
    gate.registerUser(openid);
    res.json(dialog.request(openid, ids as string[], answer as DialogAnswer, body.keep === true));
  });
  control.get('/users/:openid/settings', (req, res) => void res.json({ subscriptionsSetting: dialog.settings(req.params.openid) }));
  control.post('/users/:openid/turn-off', (req, res) => {
    const { templateId } = (req.body ?? {}) as { templateId?: unknown };
    const id = typeof templateId === 'string' ? templateId : firstTemplate.id;
    if (!templates.some((template) => template.id === id)) return void res.status(400).json({ error: `unknown template id ${id}` });
    turnOff(req.params.openid, id);
    res.json({ openid: req.params.openid, templateId: id, remaining: gate.acceptancesOf(req.params.openid, id) });
  });
  control.post('/wecom/members', (req, res) => {
    const { userid } = (req.body ?? {}) as { userid?: unknown };
    if (typeof userid !== 'string' || !/^[\w.@-]{1,64}$/.test(userid)) return void res.status(400).json({ error: 'userid: 1 to 64 letters, digits, _ - . @' });
    wecom.addMember(userid);
    res.status(201).json({ userid: userid.toLowerCase() });
  });
  control.get('/wecom/messages', (_req, res) => void res.json({ items: wecom.delivered, dropped: wecom.dropped }));
  control.put('/wecom/faults', (req, res) => {
    wecom.setFaults(req.body as Partial<WecomFaults>);
    res.json({ ok: true });
  });
  control.get('/pushes', (_req, res) => void res.json({ settings: publicPushSettings(), items: messagePush.records }));
  control.put('/push', async (req, res) => {
    const settings = req.body as PushSettings;
    try {
      res.json({ settings: await configurePush(settings, { verify: (req.query.verify ?? 'true') !== 'false' }) });
    } catch (error) {
      res.status(400).json({ error: error instanceof Error ? error.message : String(error) });
    }
  });
  control.delete('/push', (_req, res) => {
    messagePush.configure(undefined);
    res.json({ settings: null });
  });
  control.get('/faults', (_req, res) => void res.json(faults));
  control.put('/faults', (req, res) => {
    const next = { ...faults, ...(req.body as Partial<FaultSettings>) };
    const rates = RATE_KEYS.map((key) => next[key]);
    if (rates.some((rate) => typeof rate !== 'number' || rate < 0 || rate > 1) || rates.reduce((a, b) => a + b, 0) > 1) {
      return void res.status(400).json({ error: 'rates must be numbers in [0, 1] adding up to at most 1' });
    }
    if (![next.latencyMs, next.functionLatencyMs, next.slowMs, next.sendLatencyMs, next.sendTransitMs].every((ms) => typeof ms === 'number' && ms >= 0) || typeof next.errcode !== 'number') {
      return void res.status(400).json({ error: 'latencyMs, functionLatencyMs, slowMs, sendLatencyMs and sendTransitMs must be >= 0, errcode a number' });
    }
    if (![next.errorAfterSendRate, next.afterRunShare].every((share) => typeof share === 'number' && share >= 0 && share <= 1)) {
      return void res.status(400).json({ error: 'errorAfterSendRate and afterRunShare must be numbers in [0, 1]' });
    }
    faults = next;
    res.json(faults);
  });
  control.delete('/faults', (_req, res) => {
    faults = { ...NO_FAULTS };
    res.json(faults);
  });
  control.post('/tokens/expire', (_req, res) => {
    tokens.expireAll();
    res.json({ expired: true });
  });
  app.use('/_emulator', control);
  app.use(qrCodeRoute({ tokens, pages, now }));
  app.use((_req, res) => void res.status(404).json({ errcode: 40066, errmsg: 'invalid url' }));

  function callAsUser(openid: string, event: unknown): Promise<unknown> {
    gate.registerUser(openid);
    return callFunction({ OPENID: openid, APPID: credentials.appId, SOURCE: 'wx_client', ENV: credentials.cloudEnv }, event);
  }

  function scan(input: { qr: string; openid: string; crmApiUrl: string }) {
    return scanBindingCode(input, callAsUser);
  }

  /**
   * The user answers one subscribe dialog: WeChat counts each acceptance (the gate) and pushes
   * subscribe_msg_popup_event. Reporting it to the function (recordSubscription) is the mini program's job.
   */
  /** The user turns the template off in the service-notification settings; WeChat pushes only this reject. */
  function turnOff(openid: string, templateId: string): void {
    gate.turnOff(openid, templateId);
    dialog.turnOff(openid, templateId);
    pushEvent(openid, 'subscribe_msg_change_event', [{ TemplateId: templateId, SubscribeStatusString: 'reject' }]);
  }

  /** Saving 消息推送 in the console: WeChat first checks the URL with its echostr GET (skip with verify: false). */
  async function configurePush(settings: PushSettings | undefined, { verify = true }: { verify?: boolean } = {}) {
    if (settings === undefined) {
      messagePush.configure(undefined);
      return undefined;
    }
    messagePush.configure(settings);
    if (verify) {
      const check = await messagePush.verify(settings);
      if (!check.ok) {
        messagePush.configure(undefined);
        throw new Error(
          `message push: ${settings.url} did not pass WeChat's URL check (GET with signature, timestamp, nonce, echostr must answer echostr): ${check.error ?? `HTTP ${check.status} ${JSON.stringify(check.body?.slice(0, 100))}`}`,
        );
      }
    }
    return publicPushSettings();
  }

  /** The settings without the Token and the key. */
  function publicPushSettings() {
    const settings = messagePush.settings();
    return settings ? { url: settings.url, mode: settings.mode } : null;
  }

  /** Stores the binding as bindCrmUser would, without a ticket. */
  function bindDirectly(crmUserId: string, openid: string): Promise<void> {
    return saveBinding(cloud.cloud.database(), { crmUserId, openid, boundAt: new Date(now()).toISOString() }, { force: true });
  }

  /**
   * The user accepts `count` times in the subscribe dialog, and the function learns it through the call the CRM makes
   * in production when WeChat pushes subscribe_msg_popup_event (applySubscriptionEvents), made here directly.
   */
  async function subscribe(openid: string, templateId: string, count: number): Promise<number> {
    gate.accept(openid, templateId, count);
    const batch = randomBytes(6).toString('hex');
    const changes = Array.from({ length: count }, (_, index) => ({ key: `emulator-${batch}-${index}`, openid, templateId, change: 'accept' }));
    let remaining = 0;
    for (let start = 0; start < changes.length; start += 100) {
      const result = (await callFunction({ SOURCE: 'wx_http', ENV: credentials.cloudEnv }, { type: 'applySubscriptionEvents', changes: changes.slice(start, start + 100) })) as {
        states?: Array<{ remaining: number }>;
      };
      remaining = result.states?.[0]?.remaining ?? remaining;
    }
    return remaining;
  }

  return {
    app,
    credentials,
    templates,
    messages: gate.messages,
    /** Binds a CRM user to an openid (default emu-openid-<id>) and lets them receive `subscriptions` messages. */
    async setupUser(crmUserId: string, subscriptions = 0, openid = `emu-openid-${crmUserId}`) {
      gate.registerUser(openid);
      await bindDirectly(crmUserId, openid);
      if (subscriptions > 0) await subscribe(openid, firstTemplate.id, subscriptions);
      return openid;
    },
    /** Points message push at a URL (as saving 消息推送 in the console does, including its URL check unless verify: false); undefined turns it off. */
    configurePush,
    /** Every push with its attempts and answers, in order. */
    pushes: messagePush.records,
    /** The events pushed so far (what the server receives, decrypted). */
    pushedEvents: () => messagePush.records.map((record) => record.event),
    /** Resolves when every push started so far has been answered or has used its three tries. */
    settlePushes: () => messagePush.settle(),
    /** The phone scans a binding code and the bind page runs: exchange at crmApiUrl, then bindCrmUser as openid. */
    scan,
    /** The user answers subscribe dialogs (one answer per dialog); pushes subscribe_msg_popup_event for each. */
    subscribePopup(openid: string, answers: PopupAnswer[], templateId = firstTemplate.id) {
      gate.registerUser(openid);
      for (const answer of answers) dialog.answerDialog(openid, typeof answer === 'string' ? { [templateId]: answer } : answer);
      return gate.acceptancesOf(openid, templateId);
    },
    /**
     * wx.requestSubscribeMessage from a tap on the phone of `openid`: silent when every template is kept "always" (the
     * kept choice counts; pushed only with pushSilentAcceptances), else a dialog the user answers with `answer`,
     * ticking "总是保持以上选择" when `keep`.
     */
    requestSubscribe(openid: string, templateIds: readonly string[], answer: DialogAnswer = 'accept', keep = false) {
      gate.registerUser(openid);
      return dialog.request(openid, templateIds, answer, keep);
    },
    /** wx.getSetting({withSubscriptions: true}).subscriptionsSetting of that user. */
    subscriptionsSetting: (openid: string) => dialog.settings(openid),
    setSilentAcceptancePushes(push: boolean) {
      pushSilentAcceptances = push;
    },
    /** The lead notice's templates, as the function is configured with them. */
    leadTemplates,
    /** WeCom's side: members, delivered and silently dropped messages, faults. */
    wecom,
    /** The user turns the template off in the settings; pushes subscribe_msg_change_event. */
    turnOff: (openid: string, templateId = firstTemplate.id) => turnOff(openid, templateId),
    /** WeChat's own count of acceptances left (one per message). */
    acceptancesOf: (openid: string, templateId = firstTemplate.id) => gate.acceptancesOf(openid, templateId),
    setFaults(next: Partial<FaultSettings>) {
      faults = { ...faults, ...next };
    },
    expireTokens: () => tokens.expireAll(),
    /** Every access token handed out so far (for tests that check nothing leaks them). */
    issuedTokens: () => tokens.issuedValues(),
    invocationCount: () => invocations,
    /**
     * Resolves when every run of the function started so far is over: it returned or threw, or it was killed at its
     * time limit and can change nothing more (its start-up latency and any send WeChat was answering are past, and a
     * call of it hangs). What a test awaits instead of sleeping until a killed or abandoned run would have acted.
     */
    runsFinished: async (): Promise<void> => {
      await Promise.all([...runsUnderWay].map((run) => run.finished()));
    },
  };
}

export type Emulator = ReturnType<typeof createEmulator>;
