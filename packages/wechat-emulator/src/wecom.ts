import { randomBytes } from 'node:crypto';
import express, { type Router } from 'express';

/** WeCom's side: a corp with one self-built application and its members, as strict as WeCom documents it. */
export interface WecomCorp {
  corpId: string;
  agentId: number;
  agentSecret: string;
}

export interface WecomDelivered {
  touser: string;
  msgtype: string;
  content: Record<string, unknown>;
  msgId: string;
  at: number;
}

export interface WecomFaults {
  /** The application lists trusted IPs and this server's is not among them: every call answers 60020. */
  untrustedIp: boolean;
  /** Share of sends that are delivered and then answered HTTP 500 (the caller cannot tell whether it went out). */
  http500AfterDeliveryRate: number;
}

const TOKEN_LIFETIME_MS = 7200 * 1000;
const MINUTE_LIMIT = 30;
const HOUR_LIMIT = 1000;
const MAX_DUPLICATE_INTERVAL_S = 4 * 3600;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const chars = (text: string) => [...text].length;

/**
 * gettoken and message/send (https://developer.work.weixin.qq.com/document/path/91039, /90236, /90455): tokens expire
 * after 7200 s (42001) and a wrong one is 40014; a wrong secret 40001, a wrong corp 40013, a wrong agentid 40056; a field
 * past its limit is refused (40035 here); receivers WeCom does not know come back in `invaliduser` with errcode 0,
 * and when none is valid the answer is 81013; past 30 messages a minute (1,000 an hour) to one member the excess is
 * dropped with errcode 0, as WeCom does; the same request JSON within the duplicate-check interval is not delivered
 * again; with `untrustedIp` every call answers 60020.
 */
export function createWecom(options: { corp: WecomCorp; miniprogramAppId: string; now: () => number; random: () => number }) {
  const { corp, now } = options;
  const members = new Set<string>();
  const mobiles = new Map<string, string>();
  const tokens = new Map<string, number>();
  const delivered: WecomDelivered[] = [];
  const dropped: WecomDelivered[] = [];
  const recentJson = new Map<string, number>();
  let faults: WecomFaults = { untrustedIp: false, http500AfterDeliveryRate: 0 };
  let nextMsgId = 1;

  const refuse = (errcode: number, errmsg: string) => ({ errcode, errmsg: `${errmsg}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}` });

  function checkToken(token: unknown) {
    if (typeof token !== 'string' || token === '') return refuse(41001, 'access_token missing');
    const expiresAt = tokens.get(token);
    if (expiresAt === undefined) return refuse(40014, 'invalid access_token');
    if (expiresAt <= now()) return refuse(42001, 'access_token expired');
    return undefined;
  }

  /** The type's fields within their limits, or what WeCom would refuse. */
  function contentProblem(body: Record<string, unknown>): string | undefined {
    if (body.msgtype === 'textcard') {
      const card = body.textcard as Record<string, unknown> | undefined;
      if (!card || typeof card.title !== 'string' || typeof card.description !== 'string' || typeof card.url !== 'string') return 'textcard needs title, description and url';
      if (bytes(card.title) > 128 || bytes(card.description) > 512 || bytes(card.url) > 2048) return 'textcard title ≤ 128 bytes, description ≤ 512, url ≤ 2048';
      if (card.btntxt !== undefined && (typeof card.btntxt !== 'string' || chars(card.btntxt) > 4)) return 'textcard btntxt ≤ 4 characters';
      return undefined;
    }
    if (body.msgtype === 'miniprogram_notice') {
      const notice = body.miniprogram_notice as Record<string, unknown> | undefined;
      if (!notice || notice.appid !== options.miniprogramAppId) return 'miniprogram_notice appid must be the associated mini program';
      if (typeof notice.page !== 'string' || notice.page === '' || bytes(notice.page) > 1024) return 'miniprogram_notice page is required, ≤ 1024 bytes';
      for (const field of ['title', 'description'] as const) {
        const value = notice[field];
        if (typeof value !== 'string' || chars(value) < 4 || chars(value) > 12) return `miniprogram_notice ${field} must be 4 to 12 characters`;
      }
      const items = notice.content_item;
      if (items !== undefined && (!Array.isArray(items) || items.length > 10 || items.some((item) => chars(String(item?.key ?? '')) > 10 || chars(String(item?.value ?? '')) > 30))) {
        return 'miniprogram_notice content_item: ≤ 10 items, key ≤ 10 characters, value ≤ 30';
      }
      return undefined;
    }
    return `msgtype ${String(body.msgtype)} is not one leadnotify sends`;
  }

  function underLimits(userid: string): boolean {
    const sentTo = delivered.filter((message) => message.touser === userid);
    return sentTo.filter((message) => message.at > now() - 60_000).length < MINUTE_LIMIT && sentTo.filter((message) => message.at > now() - 3_600_000).length < HOUR_LIMIT;
  }

  const router: Router = express.Router();
  router.get('/cgi-bin/gettoken', (req, res) => {
    if (faults.untrustedIp) return void res.json(refuse(60020, 'not allow to access from your ip, from ip: 127.0.0.1'));
    if (req.query.corpid !== corp.corpId) return void res.json(refuse(40013, 'invalid corpid'));
    if (req.query.corpsecret !== corp.agentSecret) return void res.json(refuse(40001, 'invalid secret'));
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, now() + TOKEN_LIFETIME_MS);
    res.json({ errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 });
  });
  router.post('/cgi-bin/user/getuserid', express.json({ strict: false }), (req, res) => {
    if (faults.untrustedIp) return void res.json(refuse(60020, 'not allow to access from your ip, from ip: 127.0.0.1'));
    const tokenProblem = checkToken(req.query.access_token);
    if (tokenProblem) return void res.json(tokenProblem);
    const mobile = (req.body as { mobile?: unknown } | undefined)?.mobile;
    if (typeof mobile !== 'string' || !/^\+?\d{5,20}$/.test(mobile)) return void res.json(refuse(60103, 'mobile invalid'));
    const userid = mobiles.get(mobile);
    if (!userid) return void res.json(refuse(46004, 'user no exist'));
    res.json({ errcode: 0, errmsg: 'ok', userid });
  });
  router.post('/cgi-bin/message/send', express.json({ strict: false }), (req, res) => {
    if (faults.untrustedIp) return void res.json(refuse(60020, 'not allow to access from your ip, from ip: 127.0.0.1'));
    const tokenProblem = checkToken(req.query.access_token);
    if (tokenProblem) return void res.json(tokenProblem);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.agentid !== corp.agentId) return void res.json(refuse(40056, 'invalid agentid'));
    const problem = contentProblem(body);
    if (problem) return void res.json(refuse(40035, `invalid args: ${problem}`));
    const receivers = typeof body.touser === 'string' ? body.touser.split('|').filter((id) => id !== '') : [];
    if (receivers.length === 0 || receivers.length > 1000) return void res.json(refuse(40035, 'touser: 1 to 1000 userids'));
    const invalid = receivers.filter((id) => !members.has(id.toLowerCase()));
    const valid = receivers.filter((id) => members.has(id.toLowerCase()));
    if (valid.length === 0) return void res.json(refuse(81013, 'user & party & tag all invalid'));
    const msgId = `wecom-msg-${nextMsgId++}`;
    const json = JSON.stringify(body);
    const interval = body.enable_duplicate_check === 1 ? Math.min(Number(body.duplicate_check_interval ?? 1800), MAX_DUPLICATE_INTERVAL_S) * 1000 : 0;
    const duplicate = interval > 0 && (recentJson.get(json) ?? -Infinity) > now() - interval;
    if (interval > 0 && !duplicate) recentJson.set(json, now());
    if (!duplicate) {
      for (const userid of valid) {
        const message = { touser: userid.toLowerCase(), msgtype: String(body.msgtype), content: body[String(body.msgtype)] as Record<string, unknown>, msgId, at: now() };
        (underLimits(message.touser) ? delivered : dropped).push(message);
      }
    }
    if (options.random() < faults.http500AfterDeliveryRate) return void res.status(500).send('Internal Server Error');
    res.json({ errcode: 0, errmsg: 'ok', msgid: msgId, ...(invalid.length > 0 ? { invaliduser: invalid.map((id) => id.toLowerCase()).join('|') } : {}) });
  });

  return {
    router,
    /** What the CRM configures: WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_AGENT_SECRET. */
    corp,
    /** Adds a member to the application's visible range (通讯录 + 可见范围), with the mobile user/getuserid finds them by. */
    addMember(userid: string, mobile?: string) {
      members.add(userid.toLowerCase());
      if (mobile) mobiles.set(mobile, userid.toLowerCase());
    },
    /** Messages WeCom delivered, and those it dropped past a member's limits (it says nothing of them). */
    delivered,
    dropped,
    setFaults(next: Partial<WecomFaults>) {
      faults = { ...faults, ...next };
    },
    expireTokens() {
      for (const token of tokens.keys()) tokens.set(token, now());
    },
  };
}

export type Wecom = ReturnType<typeof createWecom>;
