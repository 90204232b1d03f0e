import { createHash, randomBytes } from 'node:crypto';
import { encrypt, getSignature } from '@wecom/crypto';

/**
 * 开发管理 → 消息推送 as the mini program's admin fills it in (https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html): the URL,
 * the Token, the EncodingAESKey, and the encryption mode. The format is always JSON here.
 */
export interface PushSettings {
  url: string;
  token: string;
  /** 43 characters; required in safe mode. */
  encodingAesKey?: string;
  mode: 'plain' | 'safe';
  /** How long WeChat waits for `success` before trying again: 5 s (push guide). */
  timeoutMs?: number;
}

/** One subscribe-message event, as WeChat puts it in the JSON body (encrypted in safe mode). */
export interface PushEvent {
  ToUserName: string;
  FromUserName: string;
  CreateTime: number;
  MsgType: 'event';
  Event: 'subscribe_msg_popup_event' | 'subscribe_msg_change_event' | 'subscribe_msg_sent_event';
  List: Record<string, string> | Array<Record<string, string>>;
}

export interface PushAttempt {
  startedAt: string;
  /** HTTP status, when an answer came. */
  status?: number;
  body?: string;
  /** No answer: connection refused, reset, or over the time limit. */
  error?: string;
  accepted: boolean;
}

export interface PushRecord {
  id: number;
  event: PushEvent;
  url: string;
  mode: PushSettings['mode'];
  timestamp: string;
  nonce: string;
  attempts: PushAttempt[];
  /** pending while tries are left; delivered when the server answered `success` or an empty body; failed after three tries. */
  state: 'pending' | 'delivered' | 'failed';
}

/** WeChat tries a push three times in all (push guide). */
export const PUSH_TRIES = 3;
const DEFAULT_TIMEOUT_MS = 5000;

/** signature = SHA1 of the sorted concatenation of token, timestamp and nonce (push guide, server verification). */
export function pushSignature(token: string, timestamp: string, nonce: string): string {
  return createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
}

/** msg_signature = SHA1 of the sorted token, timestamp, nonce and Encrypt: WeCom's scheme, which @wecom/crypto implements. */
export function pushMessageSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return getSignature(token, timestamp, nonce, encrypted);
}

export function checkPushSettings(settings: PushSettings): string[] {
  const problems: string[] = [];
  try {
    const url = new URL(settings.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push('push.url must be an http(s) URL');
  } catch {
    problems.push('push.url must be an http(s) URL');
  }
  // The console's Token rule: 3–32 letters and digits.
  if (typeof settings.token !== 'string' || !/^[A-Za-z0-9]{3,32}$/.test(settings.token)) problems.push('push.token must be 3-32 letters or digits');
  if (settings.mode !== 'plain' && settings.mode !== 'safe') problems.push("push.mode must be 'plain' or 'safe'");
  if (settings.encodingAesKey !== undefined && !/^[A-Za-z0-9]{43}$/.test(settings.encodingAesKey)) {
    problems.push('push.encodingAesKey must be 43 letters or digits');
  }
  if (settings.mode === 'safe' && settings.encodingAesKey === undefined) problems.push('push.encodingAesKey is required in safe mode');
  return problems;
}

/**
 * WeChat's side of message push: signs (and in safe mode encrypts) each event, POSTs it to the configured URL
 * and tries again until the server answers `success` or an empty body — three tries in all, each waiting at
 * most 5 s, with the same timestamp and nonce (whether WeChat reuses them is unverified; reusing them is the
 * case a server's replay check must survive). Every push and every answer is recorded.
 */
export function createMessagePush(options: { appId: string; now: () => number; settings?: PushSettings }) {
  let settings: PushSettings | undefined;
  const records: PushRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  let nextId = 1;

  function configure(next: PushSettings | undefined): void {
    if (next) {
      const problems = checkPushSettings(next);
      if (problems.length > 0) throw new TypeError(`message push: ${problems.join('; ')}`);
    }
    settings = next ? { ...next } : undefined;
  }
  if (options.settings) configure(options.settings);

  /** The query and body of one push, as WeChat sends them. */
  function envelope(current: PushSettings, event: PushEvent, timestamp: string, nonce: string): { query: URLSearchParams; body: string } {
    const query = new URLSearchParams({ signature: pushSignature(current.token, timestamp, nonce), timestamp, nonce });
    const message = JSON.stringify(event);
    if (current.mode === 'plain') return { query, body: message };
    const encrypted = encrypt(current.encodingAesKey!, message, options.appId);
    query.set('encrypt_type', 'aes');
    query.set('msg_signature', pushMessageSignature(current.token, timestamp, nonce, encrypted));
    return { query, body: JSON.stringify({ ToUserName: event.ToUserName, Encrypt: encrypted }) };
  }

  async function attempt(current: PushSettings, url: string, body: string): Promise<PushAttempt> {
    const startedAt = new Date(options.now()).toISOString();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(current.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
      const text = await response.text();
      const answer = text.trim();
      return { startedAt, status: response.status, body: text, accepted: response.status === 200 && (answer === '' || answer === 'success') };
    } catch (error) {
      return { startedAt, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), accepted: false };
    }
  }

  async function deliver(current: PushSettings, record: PushRecord, url: string, body: string): Promise<void> {
    for (let tries = 0; tries < PUSH_TRIES; tries++) {
      const result = await attempt(current, url, body);
      record.attempts.push(result);
      if (result.accepted) {
        record.state = 'delivered';
        return;
      }
    }
    record.state = 'failed';
  }

  return {
    configure,
    settings: () => (settings ? { ...settings } : undefined),
    records,
    /** Pushes one event if message push is configured (WeChat pushes nothing otherwise); returns at once. */
    push(event: PushEvent): PushRecord | undefined {
      const current = settings;
      if (!current) return undefined;
      const timestamp = String(Math.floor(options.now() / 1000));
      const nonce = String(randomBytes(4).readUInt32BE(0));
      const record: PushRecord = { id: nextId++, event, url: current.url, mode: current.mode, timestamp, nonce, attempts: [], state: 'pending' };
      records.push(record);
      const { query, body } = envelope(current, event, timestamp, nonce);
      const url = `${current.url}${current.url.includes('?') ? '&' : '?'}${query.toString()}`;
      const delivery = deliver(current, record, url, body).finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
      return record;
    },
    /** Saving the settings in the console: WeChat GETs the URL with signature, timestamp, nonce, echostr and expects echostr back. */
    async verify(next: PushSettings): Promise<{ ok: boolean; status?: number; body?: string; error?: string }> {
      const timestamp = String(Math.floor(options.now() / 1000));
      const nonce = String(randomBytes(4).readUInt32BE(0));
      const echostr = String(randomBytes(8).readBigUInt64BE(0));
      const query = new URLSearchParams({ signature: pushSignature(next.token, timestamp, nonce), timestamp, nonce, echostr });
      try {
        const response = await fetch(`${next.url}${next.url.includes('?') ? '&' : '?'}${query.toString()}`, {
          signal: AbortSignal.timeout(next.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        });
        const body = await response.text();
        return { ok: response.status === 200 && body.trim() === echostr, status: response.status, body };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    },
    /** Resolves when every push started so far has been delivered or has used its three tries. */
    async settle(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

export type MessagePush = ReturnType<typeof createMessagePush>;
